import Foundation
import PostgresNIO

extension PostgresRowSequence {
    /// Every row mapped through `transform`.
    func monitoringRows<T>(_ transform: (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in self { result.append(try transform(row.makeRandomAccess())) }
        return result
    }

    /// The first row mapped through `transform`, or `nil`.
    func monitoringFirst<T>(_ transform: (PostgresRandomAccessRow) throws -> T) async throws -> T? {
        for try await row in self { return try transform(row.makeRandomAccess()) }
        return nil
    }
}

extension PostgresRandomAccessRow {
    /// Decodes the named column.
    func column<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try self[name].decode(T.self)
    }
}

/// JSON objects kept in `jsonb` columns as text, decoded with sorted keys for stable output.
enum JSONText {
    static func decode<T: Decodable>(_ text: String?, as type: T.Type, default value: T) -> T {
        guard let text, let decoded = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else { return value }
        return decoded
    }

    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
