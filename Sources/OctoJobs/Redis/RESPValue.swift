import Foundation
import NIOCore
import OctoCore

/// A value of the Redis serialisation protocol, RESP2 and RESP3.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`.
    case simpleString(String)
    /// `-ERR …`.
    case error(String)
    /// `:42`.
    case integer(Int64)
    /// `$5 hello`; `nil` for the RESP2 null bulk string.
    case bulkString(ByteBuffer?)
    /// `*2 …`; `nil` for the RESP2 null array.
    case array([RESPValue]?)
    /// RESP3 `_`.
    case null
    /// RESP3 `,3.14`.
    case double(Double)
    /// RESP3 `#t`.
    case boolean(Bool)
    /// RESP3 `(123…` as text.
    case bigNumber(String)
    /// RESP3 `%`: keys and values alternate.
    case map([RESPValue])
    /// RESP3 `~`.
    case set([RESPValue])
    /// RESP3 `>`: out-of-band data.
    case push([RESPValue])

    /// The value as text (simple, bulk, verbatim strings and numbers).
    public var string: String? {
        switch self {
        case .simpleString(let text), .bigNumber(let text): text
        case .bulkString(let buffer?): String(buffer: buffer)
        case .integer(let value): String(value)
        case .double(let value): String(value)
        default: nil
        }
    }

    /// The value as a UUID in its canonical text form, read from the reply's bytes without a string.
    public var uuid: UUID? {
        switch self {
        case .bulkString(let buffer?): buffer.withUnsafeReadableBytes { UUID(canonicalBytes: $0) }
        case .simpleString(let text): UUID(canonical: text)
        default: nil
        }
    }

    /// The value as an integer (integers and numeric strings).
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .boolean(let value): value ? 1 : 0
        default: string.flatMap { Int64($0) }
        }
    }

    /// The elements of an array, set or push; `nil` otherwise.
    public var array: [RESPValue]? {
        switch self {
        case .array(let values?), .set(let values), .push(let values), .map(let values): values
        default: nil
        }
    }

    /// Whether this is a null of either protocol version.
    public var isNull: Bool {
        switch self {
        case .null, .bulkString(nil), .array(nil): true
        default: false
        }
    }
}
