/// A field of a partial update that may be explicitly set to `null`.
///
/// Declared as `Nullable<T>?`: absent key → `nil` (keep), `null` → `.null` (clear), value → `.value`.
public enum Nullable<Wrapped: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    /// Clear the field.
    case null
    /// Set the field.
    case value(Wrapped)

    /// The new value, or `nil` to clear.
    public var wrapped: Wrapped? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// Decodes `null` or a value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = container.decodeNil() ? .null : .value(try container.decode(Wrapped.self))
    }

    /// Encodes `null` or the value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .value(let value): try container.encode(value)
        }
    }
}

extension KeyedDecodingContainer {
    /// Tells an absent key (`nil`) from an explicit `null` (`.null`).
    public func decodeIfPresent<T>(_ type: Nullable<T>.Type, forKey key: Key) throws -> Nullable<T>? {
        guard contains(key) else { return nil }
        return try decode(Nullable<T>.self, forKey: key)
    }
}
