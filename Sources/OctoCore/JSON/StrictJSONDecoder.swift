import Foundation

/// Decodes client JSON with the platform's conventions (snake_case keys, ISO 8601 dates) and refuses
/// what a lenient `JSONDecoder` would silently drop: a key present in the JSON that the target type never
/// read, at any depth, is an ``OctoError`` naming it (`role`, `settings.wifi[0].ssid`).
///
/// It decodes over a parsed tree and records, per JSON object, which keys the target type read; after
/// decoding, the first unread key (objects in the order they were decoded, keys sorted) is reported.
/// `[String: X]` dictionaries read every key and keep them as written (no case conversion).
/// `null` is accepted only where the type says what it means (``Nullable``, or an optional array
/// element); for a plain optional field it is refused rather than read as "absent".
/// Decoding errors become ``OctoError/Code/invalidInput`` naming the field too.
public struct StrictJSONDecoder: Sendable {
    /// Creates a decoder.
    public init() {}

    /// Decodes `type` from `data`, throwing ``OctoError`` (invalid input naming the field) on any failure.
    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(OctoError) -> T {
        let root: StrictNode
        do {
            root = try JSONDecoder().decode(StrictNode.self, from: data)
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            let field = Self.path(context.codingPath)
            throw OctoError.invalid(field, "invalid value for field '\(field)': \(context.debugDescription)")
        } catch {
            throw OctoError(.invalidInput, "request body is not valid JSON")
        }
        let tracker = StrictTracker()
        let value: T
        do {
            value = try StrictNodeDecoder.decode(T.self, node: root, codingPath: [], rawPath: "", tracker: tracker)
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch let error as OctoError {
            throw error
        } catch {
            throw OctoError(.invalidInput, "invalid request body: \(error)")
        }
        if let field = tracker.firstUnread() {
            throw OctoError.invalid(field, "unknown field '\(field)'")
        }
        return value
    }

    /// A 400 naming the field and what was wrong with it.
    public static func describe(_ error: DecodingError) -> OctoError {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalid(field, "missing field '\(field)'")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            if context.codingPath.isEmpty { return OctoError(.invalidInput, "request body has the wrong type; expected a JSON object") }
            let field = path(context.codingPath)
            return .invalid(field, "field '\(field)' has the wrong type")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return OctoError(.invalidInput, "request body is not valid JSON") }
            let field = path(context.codingPath)
            return .invalid(field, "invalid value for field '\(field)'")
        @unknown default:
            return OctoError(.invalidInput, "invalid request body")
        }
    }

    /// `a.b[0].c` from a coding path; keys are shown in snake_case.
    public static func path(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue, key.stringValue == "Index \(index)" || key.stringValue == String(index) {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += StrictKeys.toSnake(key.stringValue)
            }
        }
        return out
    }
}

/// The parsed JSON the strict decoder walks: numbers keep whether they were integers.
enum StrictNode: Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([StrictNode])
    case object([String: StrictNode])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            // PostgreSQL's text and jsonb cannot hold U+0000: refused here, naming the field, rather than failing the write.
            guard !value.contains("\u{0}") else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "text must not contain U+0000"))
            }
            self = .string(value)
        } else if let value = try? container.decode([StrictNode].self) {
            self = .array(value)
        } else {
            let object = try container.decode([String: StrictNode].self)
            guard !object.keys.contains(where: { $0.contains("\u{0}") }) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "keys must not contain U+0000"))
            }
            self = .object(object)
        }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Which keys of which JSON objects the target type read.
final class StrictTracker {
    private var objects: [(path: String, keys: [String])] = []
    private var registered: Set<String> = []
    private var read: [String: Set<String>] = [:]

    func register(_ path: String, keys: some Collection<String>) {
        guard registered.insert(path).inserted else { return }
        objects.append((path, keys.sorted()))
    }

    func markRead(_ path: String, _ key: String) {
        read[path, default: []].insert(key)
    }

    func firstUnread() -> String? {
        for object in objects {
            let seen = read[object.path] ?? []
            if let key = object.keys.first(where: { !seen.contains($0) }) {
                return object.path.isEmpty ? key : object.path + "." + key
            }
        }
        return nil
    }
}

/// A coding key with any text or index.
struct StrictKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// Dictionaries with string keys: their keys are data, kept as written.
protocol StrictStringKeyedDictionary {}
extension Dictionary: StrictStringKeyedDictionary where Key == String {}

/// snake_case ⇄ camelCase as `JSONDecoder`/`JSONEncoder` convert keys.
public enum StrictKeys {
    /// `pop_id` → `popId` (the algorithm of `JSONDecoder.KeyDecodingStrategy.convertFromSnakeCase`).
    public static func fromSnake(_ key: String) -> String {
        guard let first = key.firstIndex(where: { $0 != "_" }) else { return key }
        var last = key.index(before: key.endIndex)
        while last > first && key[last] == "_" { key.formIndex(before: &last) }
        let body = key[first...last]
        let components = body.split(separator: "_")
        let joined: String
        if components.count == 1 {
            joined = String(body)
        } else {
            joined = ([components[0].lowercased()] + components.dropFirst().map { $0.capitalized }).joined()
        }
        return String(key[..<first]) + joined + String(key[key.index(after: last)...])
    }

    /// `popId` → `pop_id` (for naming fields in errors).
    public static func toSnake(_ key: String) -> String {
        var out = ""
        for character in key {
            if character.isUppercase {
                if !out.isEmpty { out += "_" }
                out += character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}

/// The `Decoder` over a ``StrictNode``.
struct StrictNodeDecoder: Decoder {
    let node: StrictNode
    let codingPath: [any CodingKey]
    let rawPath: String
    let tracker: StrictTracker
    /// Whether object keys are converted from snake_case (not for `[String: X]`).
    let convertKeys: Bool
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Decodes `type` at `node`; dates, data and URLs the way the platform writes them.
    static func decode<T: Decodable>(_ type: T.Type, node: StrictNode, codingPath: [any CodingKey], rawPath: String,
                                     tracker: StrictTracker) throws -> T {
        if let value = try primitive(type, node: node, codingPath: codingPath) { return value }
        if T.self == Date.self {
            guard case .string(let text) = node else { throw mismatch(type, node, codingPath) }
            guard let date = OctoJSON.parseDate(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "expected an ISO 8601 date-time"))
            }
            return date as! T
        }
        if T.self == Data.self {
            guard case .string(let text) = node else { throw mismatch(type, node, codingPath) }
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "expected base64"))
            }
            return data as! T
        }
        if T.self == URL.self {
            guard case .string(let text) = node else { throw mismatch(type, node, codingPath) }
            guard let url = URL(string: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "expected a URL"))
            }
            return url as! T
        }
        let convert = !(T.self is any StrictStringKeyedDictionary.Type)
        return try T(from: StrictNodeDecoder(node: node, codingPath: codingPath, rawPath: rawPath, tracker: tracker, convertKeys: convert))
    }

    static func mismatch(_ type: Any.Type, _ node: StrictNode, _ codingPath: [any CodingKey]) -> DecodingError {
        if case .null = node { return .valueNotFound(type, .init(codingPath: codingPath, debugDescription: "null")) }
        return .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(type), found \(node.kind)"))
    }

    /// Booleans, strings and numbers; `nil` for other types. Integers accept only integral numbers in range.
    static func primitive<T>(_ type: T.Type, node: StrictNode, codingPath: [any CodingKey]) throws -> T? {
        func integer<I: FixedWidthInteger>(_: I.Type) throws -> I {
            let value: I?
            switch node {
            case .int(let int): value = I(exactly: int)
            case .double(let double): value = I(exactly: double)
            default: throw mismatch(type, node, codingPath)
            }
            guard let value else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "number does not fit \(I.self)"))
            }
            return value
        }
        switch type {
        case is Bool.Type:
            guard case .bool(let value) = node else { throw mismatch(type, node, codingPath) }
            return (value as! T)
        case is String.Type:
            guard case .string(let value) = node else { throw mismatch(type, node, codingPath) }
            return (value as! T)
        case is Double.Type:
            switch node {
            case .int(let value): return (Double(value) as! T)
            case .double(let value): return (value as! T)
            default: throw mismatch(type, node, codingPath)
            }
        case is Float.Type:
            switch node {
            case .int(let value): return (Float(value) as! T)
            case .double(let value): return (Float(value) as! T)
            default: throw mismatch(type, node, codingPath)
            }
        case is Int.Type: return (try integer(Int.self) as! T)
        case is Int8.Type: return (try integer(Int8.self) as! T)
        case is Int16.Type: return (try integer(Int16.self) as! T)
        case is Int32.Type: return (try integer(Int32.self) as! T)
        case is Int64.Type: return (try integer(Int64.self) as! T)
        case is UInt.Type: return (try integer(UInt.self) as! T)
        case is UInt8.Type: return (try integer(UInt8.self) as! T)
        case is UInt16.Type: return (try integer(UInt16.self) as! T)
        case is UInt32.Type: return (try integer(UInt32.self) as! T)
        case is UInt64.Type: return (try integer(UInt64.self) as! T)
        default: return nil
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = node else { throw Self.mismatch([String: Any].self, node, codingPath) }
        tracker.register(rawPath, keys: object.keys)
        return KeyedDecodingContainer(StrictKeyedContainer<Key>(decoder: self, object: object))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let array) = node else { throw Self.mismatch([Any].self, node, codingPath) }
        return StrictUnkeyedContainer(decoder: self, array: array)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        StrictSingleValueContainer(decoder: self)
    }
}

struct StrictKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: StrictNodeDecoder
    let object: [String: StrictNode]
    /// Key as the type names it → key as written in the JSON.
    let names: [String: String]

    init(decoder: StrictNodeDecoder, object: [String: StrictNode]) {
        self.decoder = decoder
        self.object = object
        var names: [String: String] = [:]
        for raw in object.keys.sorted() {
            // Field names are snake_case: a camelCase `popId` is an unknown field, not an alias.
            if decoder.convertKeys && raw.contains(where: \.isUppercase) { continue }
            let name = decoder.convertKeys ? StrictKeys.fromSnake(raw) : raw
            if names[name] == nil { names[name] = raw }
        }
        self.names = names
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { names.keys.sorted().compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { names[key.stringValue] != nil }

    /// The value of `key`, marked as read.
    private func entry(_ key: Key) throws -> (raw: String, node: StrictNode) {
        guard let raw = names[key.stringValue], let node = object[raw] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
        }
        decoder.tracker.markRead(decoder.rawPath, raw)
        return (raw, node)
    }

    private func child(_ key: Key) throws -> StrictNodeDecoder {
        let (raw, node) = try entry(key)
        return StrictNodeDecoder(node: node, codingPath: codingPath + [StrictKey(stringValue: raw)],
                                 rawPath: decoder.rawPath.isEmpty ? raw : decoder.rawPath + "." + raw,
                                 tracker: decoder.tracker, convertKeys: true)
    }

    /// Called by `decodeIfPresent` for a plain optional field. An explicit `null` there is refused: such a
    /// field cannot be cleared, and `null` must not quietly mean "unchanged". Fields that can be cleared
    /// are declared `Nullable<T>?`, which decodes `null` itself without asking this.
    func decodeNil(forKey key: Key) throws -> Bool {
        let (raw, node) = try entry(key)
        if case .null = node {
            let field = decoder.rawPath.isEmpty ? raw : decoder.rawPath + "." + raw
            throw OctoError.invalid(field, "field '\(field)' cannot be null; omit it to leave it unchanged")
        }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let child = try child(key)
        return try StrictNodeDecoder.decode(type, node: child.node, codingPath: child.codingPath, rawPath: child.rawPath, tracker: decoder.tracker)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(type as Bool.Type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(type as String.Type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(type as Double.Type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(type as Float.Type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type as Int.Type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(type as Int8.Type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(type as Int16.Type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(type as Int32.Type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(type as Int64.Type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(type as UInt.Type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(type as UInt8.Type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(type as UInt16.Type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(type as UInt32.Type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(type as UInt64.Type, key) }

    private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        try decode(type, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        try child(Key(stringValue: "super")!)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try child(key)
    }
}

struct StrictUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: StrictNodeDecoder
    let array: [StrictNode]
    var currentIndex = 0

    init(decoder: StrictNodeDecoder, array: [StrictNode]) {
        self.decoder = decoder
        self.array = array
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    private mutating func next(_ type: Any.Type) throws -> StrictNodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [StrictKey(intValue: currentIndex)], debugDescription: "no more elements"))
        }
        let index = currentIndex
        currentIndex += 1
        return StrictNodeDecoder(node: array[index], codingPath: codingPath + [StrictKey(intValue: index)],
                                 rawPath: decoder.rawPath + "[\(index)]", tracker: decoder.tracker, convertKeys: true)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = array[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let child = try next(type)
        return try StrictNodeDecoder.decode(type, node: child.node, codingPath: child.codingPath, rawPath: child.rawPath, tracker: decoder.tracker)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next(type).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next([Any].self).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        try next(Any.self)
    }
}

struct StrictSingleValueContainer: SingleValueDecodingContainer {
    let decoder: StrictNodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = decoder.node { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try StrictNodeDecoder.decode(type, node: decoder.node, codingPath: codingPath, rawPath: decoder.rawPath, tracker: decoder.tracker)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try decode(type as Bool.Type, 0) }
    func decode(_ type: String.Type) throws -> String { try decode(type as String.Type, 0) }
    func decode(_ type: Double.Type) throws -> Double { try decode(type as Double.Type, 0) }
    func decode(_ type: Float.Type) throws -> Float { try decode(type as Float.Type, 0) }
    func decode(_ type: Int.Type) throws -> Int { try decode(type as Int.Type, 0) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decode(type as Int8.Type, 0) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decode(type as Int16.Type, 0) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decode(type as Int32.Type, 0) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decode(type as Int64.Type, 0) }
    func decode(_ type: UInt.Type) throws -> UInt { try decode(type as UInt.Type, 0) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(type as UInt8.Type, 0) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(type as UInt16.Type, 0) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(type as UInt32.Type, 0) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(type as UInt64.Type, 0) }

    private func decode<T: Decodable>(_ type: T.Type, _: Int) throws -> T {
        try decode(type)
    }
}
