import Foundation
import OctoCore
import PostgresNIO

extension PostgresRowSequence {
    /// Every row mapped through `transform`.
    func alertRows<T>(_ transform: (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in self { result.append(try transform(row.makeRandomAccess())) }
        return result
    }
}

extension PostgresRandomAccessRow {
    /// Decodes the named column.
    func value<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try self[name].decode(T.self)
    }

    /// Decodes a JSON text column with the platform's conventions.
    func json<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let text = try value(name, as: String.self)
        return try OctoJSON.decoder.decode(T.self, from: Data(text.utf8))
    }
}

/// JSON text for `jsonb` parameters, with the platform's conventions.
func jsonText<T: Encodable>(_ value: T) throws -> String { try OctoJSON.string(value) }
