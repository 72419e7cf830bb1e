import Foundation
import PostgresNIO

extension PostgresRandomAccessRow {
    /// Decodes the named column.
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}

extension PostgresRowSequence {
    /// Collects the rows, mapping each through `transform`.
    func map<T>(_ transform: (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in self {
            result.append(try transform(row.makeRandomAccess()))
        }
        return result
    }

    /// The first row mapped through `transform`, or `nil`.
    func first<T>(_ transform: (PostgresRandomAccessRow) throws -> T) async throws -> T? {
        for try await row in self {
            return try transform(row.makeRandomAccess())
        }
        return nil
    }
}
