import Foundation

/// `JSONEncoder` with the platform's canonical values: UUIDs in lower case (RFC 9562's canonical text,
/// as PostgreSQL prints them) and dates as ISO 8601 UTC with milliseconds, wherever they sit in the
/// value. `JSONEncoder` has no UUID strategy, so the value is first turned into a tree (where UUIDs and
/// dates are rewritten) and the tree is then encoded by `JSONEncoder` itself, so key conversion, key
/// order and number formatting stay exactly `JSONEncoder`'s.
final class CanonicalJSONEncoder: JSONEncoder, @unchecked Sendable {
    override func encode<T: Encodable>(_ value: T) throws -> Data {
        let slot = EncodingSlot()
        try TreeEncoder.encode(value, into: slot, codingPath: [])
        return try super.encode(slot.finished())
    }
}

/// Where an encoded value is written.
final class EncodingSlot {
    var node: EncodingNode?

    func finished() -> EncodedTree {
        switch node {
        case nil: .structure([:])
        case .null: .null
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .uint(let value): .uint(value)
        case .double(let value): .double(value)
        case .float(let value): .float(value)
        case .string(let value): .string(value)
        case .array(let array): .array(array.items.map { $0.finished() })
        case .object(let object):
            object.isDictionary ? .dictionary(object.entries.mapValues { $0.finished() }) : .structure(object.entries.mapValues { $0.finished() })
        }
    }
}

/// A value being encoded; containers are references so nested containers can fill them later.
enum EncodingNode {
    case null, bool(Bool), int(Int64), uint(UInt64), double(Double), float(Float), string(String)
    case array(EncodingArray)
    case object(EncodingObject)
}

final class EncodingArray {
    var items: [EncodingSlot] = []
}

final class EncodingObject {
    /// `[String: X]` (keys are data, never converted) rather than a type's properties.
    let isDictionary: Bool
    var entries: [String: EncodingSlot] = [:]
    init(isDictionary: Bool) { self.isDictionary = isDictionary }
}

/// The finished tree, encoded by `JSONEncoder`: a type's properties through a keyed container (so the
/// key strategy applies), dictionaries as dictionaries (so it does not).
enum EncodedTree: Encodable {
    case null, bool(Bool), int(Int64), uint(UInt64), double(Double), float(Float), string(String)
    case array([EncodedTree])
    case structure([String: EncodedTree])
    case dictionary([String: EncodedTree])

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .structure(let entries):
            var container = encoder.container(keyedBy: StrictKey.self)
            for (key, value) in entries { try container.encode(value, forKey: StrictKey(stringValue: key)) }
        case .dictionary(let entries):
            var container = encoder.singleValueContainer()
            try container.encode(entries)
        case .array(let items):
            var container = encoder.singleValueContainer()
            try container.encode(items)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .uint(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .float(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }
}

/// The `Encoder` that builds the tree.
struct TreeEncoder: Encoder {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]
    let isDictionary: Bool
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Encodes `value` into `slot`, rewriting UUIDs, dates, data and URLs.
    static func encode<T: Encodable>(_ value: T, into slot: EncodingSlot, codingPath: [any CodingKey]) throws {
        switch value {
        case let uuid as UUID: slot.node = .string(uuid.lowercased)
        case let date as Date: slot.node = .string(OctoJSON.formatDate(date))
        case let data as Data: slot.node = .string(data.base64EncodedString())
        case let url as URL: slot.node = .string(url.absoluteString)
        default:
            try value.encode(to: TreeEncoder(slot: slot, codingPath: codingPath, isDictionary: value is any StrictStringKeyedDictionary))
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: EncodingObject
        if case .object(let existing) = slot.node {
            object = existing
        } else {
            object = EncodingObject(isDictionary: isDictionary)
            slot.node = .object(object)
        }
        return KeyedEncodingContainer(TreeKeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: EncodingArray
        if case .array(let existing) = slot.node {
            array = existing
        } else {
            array = EncodingArray()
            slot.node = .array(array)
        }
        return TreeUnkeyedContainer(array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        TreeSingleValueContainer(slot: slot, codingPath: codingPath)
    }
}

struct TreeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: EncodingObject
    let codingPath: [any CodingKey]

    private func slot(_ key: Key) -> EncodingSlot {
        let slot = EncodingSlot()
        object.entries[key.stringValue] = slot
        return slot
    }

    mutating func encodeNil(forKey key: Key) throws { slot(key).node = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws { slot(key).node = .bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { slot(key).node = .string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { slot(key).node = .double(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { slot(key).node = .float(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { slot(key).node = .int(Int64(value)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { slot(key).node = .int(Int64(value)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { slot(key).node = .int(Int64(value)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { slot(key).node = .int(Int64(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { slot(key).node = .int(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { slot(key).node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { slot(key).node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { slot(key).node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { slot(key).node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { slot(key).node = .uint(value) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try TreeEncoder.encode(value, into: slot(key), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(slot: slot(key), codingPath: codingPath + [key], isDictionary: false).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(slot: slot(key), codingPath: codingPath + [key], isDictionary: false).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        TreeEncoder(slot: slot(Key(stringValue: "super")!), codingPath: codingPath, isDictionary: false)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(slot: slot(key), codingPath: codingPath + [key], isDictionary: false)
    }
}

struct TreeUnkeyedContainer: UnkeyedEncodingContainer {
    let array: EncodingArray
    let codingPath: [any CodingKey]
    var count: Int { array.items.count }

    private func slot() -> EncodingSlot {
        let slot = EncodingSlot()
        array.items.append(slot)
        return slot
    }

    mutating func encodeNil() throws { slot().node = .null }
    mutating func encode(_ value: Bool) throws { slot().node = .bool(value) }
    mutating func encode(_ value: String) throws { slot().node = .string(value) }
    mutating func encode(_ value: Double) throws { slot().node = .double(value) }
    mutating func encode(_ value: Float) throws { slot().node = .float(value) }
    mutating func encode(_ value: Int) throws { slot().node = .int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { slot().node = .int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { slot().node = .int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { slot().node = .int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { slot().node = .int(value) }
    mutating func encode(_ value: UInt) throws { slot().node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { slot().node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { slot().node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { slot().node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { slot().node = .uint(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let index = count
        try TreeEncoder.encode(value, into: slot(), codingPath: codingPath + [StrictKey(intValue: index)])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(slot: slot(), codingPath: codingPath, isDictionary: false).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeEncoder(slot: slot(), codingPath: codingPath, isDictionary: false).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        TreeEncoder(slot: slot(), codingPath: codingPath, isDictionary: false)
    }
}

struct TreeSingleValueContainer: SingleValueEncodingContainer {
    let slot: EncodingSlot
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.node = .null }
    mutating func encode(_ value: Bool) throws { slot.node = .bool(value) }
    mutating func encode(_ value: String) throws { slot.node = .string(value) }
    mutating func encode(_ value: Double) throws { slot.node = .double(value) }
    mutating func encode(_ value: Float) throws { slot.node = .float(value) }
    mutating func encode(_ value: Int) throws { slot.node = .int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { slot.node = .int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { slot.node = .int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { slot.node = .int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { slot.node = .int(value) }
    mutating func encode(_ value: UInt) throws { slot.node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { slot.node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { slot.node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { slot.node = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { slot.node = .uint(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try TreeEncoder.encode(value, into: slot, codingPath: codingPath)
    }
}
