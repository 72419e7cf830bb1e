extension OctoError {
    /// What `body` returns, or `nil` when it throws ``Code/notFound``. Every other error (a lost
    /// connection, an aborted transaction, a secret that cannot be opened) is rethrown: a failed read
    /// is never taken as "the row is not there".
    public static func absentAsNil<T>(_ body: () async throws -> T) async throws -> T? {
        do {
            return try await body()
        } catch let error as OctoError where error.code == .notFound {
            return nil
        }
    }
}
