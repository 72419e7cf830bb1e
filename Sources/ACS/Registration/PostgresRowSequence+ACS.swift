import PostgresNIO

extension PostgresRowSequence {
    /// Every row mapped through `transform`.
    func acsRows<T>(_ transform: (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in self { result.append(try transform(row.makeRandomAccess())) }
        return result
    }

    /// The first row mapped through `transform`, or `nil`.
    func acsFirst<T>(_ transform: (PostgresRandomAccessRow) throws -> T) async throws -> T? {
        for try await row in self { return try transform(row.makeRandomAccess()) }
        return nil
    }
}

extension PostgresRandomAccessRow {
    /// Decodes the named column.
    func acsColumn<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}
