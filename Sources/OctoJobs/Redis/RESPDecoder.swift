import NIOCore

/// Decodes RESP2 and RESP3 replies from the byte stream (one value per complete frame).
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        // A large reply arrives in several reads: check that it is whole before building any value, so
        // that it is parsed once rather than again after every read.
        guard Self.isComplete(buffer.readableBytesView) else { return .needMoreData }
        var copy = buffer
        guard let value = try Self.parse(&copy) else { return .needMoreData }
        buffer = copy
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// Parses one value, advancing `buffer`; `nil` when the frame is incomplete.
    static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        guard let marker = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = readLine(&buffer) else { return nil }
        switch marker {
        case UInt8(ascii: "+"): return .simpleString(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"):
            guard let value = Int64(line) else { throw RedisError(.protocolViolation, "bad integer '\(line)'") }
            return .integer(value)
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            guard let length = Int(line) else { throw RedisError(.protocolViolation, "bad length '\(line)'") }
            if length < 0 { return .bulkString(nil) }
            guard buffer.readableBytes >= length + 2, let body = buffer.readSlice(length: length) else { return nil }
            buffer.moveReaderIndex(forwardBy: 2)
            if marker == UInt8(ascii: "!") { return .error(String(buffer: body)) }
            if marker == UInt8(ascii: "=") { return .bulkString(ByteBuffer(string: String(String(buffer: body).dropFirst(4)))) }
            return .bulkString(body)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"):
            guard var count = Int(line) else { throw RedisError(.protocolViolation, "bad count '\(line)'") }
            if count < 0 { return .array(nil) }
            if marker == UInt8(ascii: "%") { count *= 2 }
            var values: [RESPValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                guard let value = try parse(&buffer) else { return nil }
                values.append(value)
            }
            switch marker {
            case UInt8(ascii: "~"): return .set(values)
            case UInt8(ascii: ">"): return .push(values)
            case UInt8(ascii: "%"): return .map(values)
            default: return .array(values)
            }
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "#"): return .boolean(line == "t")
        case UInt8(ascii: ","):
            guard let value = Double(line) ?? (line == "inf" ? .infinity : line == "-inf" ? -.infinity : nil) else {
                throw RedisError(.protocolViolation, "bad double '\(line)'")
            }
            return .double(value)
        case UInt8(ascii: "("): return .bigNumber(line)
        default:
            throw RedisError(.protocolViolation, "unknown RESP type byte \(marker)")
        }
    }

    /// Whether `bytes` start with a whole value, found by walking its frames without building it. A
    /// malformed header counts as complete, so that ``parse(_:)`` reports it.
    static func isComplete(_ bytes: ByteBufferView) -> Bool {
        var index = bytes.startIndex
        var remaining = 1
        while remaining > 0 {
            guard index < bytes.endIndex else { return false }
            let marker = bytes[index]
            guard let cr = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "\r")), cr + 1 < bytes.endIndex else { return false }
            let header = bytes[(index + 1)..<cr]
            index = cr + 2
            remaining -= 1
            switch marker {
            case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
                guard let length = integer(header) else { return true }
                if length >= 0 {
                    index += length + 2
                    if index > bytes.endIndex { return false }
                }
            case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"):
                guard let count = integer(header) else { return true }
                if count > 0 { remaining += marker == UInt8(ascii: "%") ? 2 * count : count }
            default:
                break
            }
        }
        return true
    }

    /// A decimal integer (optionally negative) of a frame header, without making a string.
    private static func integer(_ digits: ByteBufferView.SubSequence) -> Int? {
        var value = 0
        var negative = false
        var seen = false
        for byte in digits {
            if byte == UInt8(ascii: "-") && !seen && !negative {
                negative = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") && value < Int.max / 10 - 10 {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                seen = true
            } else {
                return nil
            }
        }
        return seen ? (negative ? -value : value) : nil
    }

    private static func readLine(_ buffer: inout ByteBuffer) -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")), cr + 1 < view.endIndex else { return nil }
        let line = buffer.readString(length: cr - view.startIndex)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}

extension ByteBuffer {
    /// Appends a command as a RESP array of bulk strings.
    mutating func writeRESPCommand(_ arguments: [RESPArgument]) {
        writeRESPHeader(UInt8(ascii: "*"), arguments.count)
        for argument in arguments {
            switch argument {
            case .string(let text):
                writeRESPHeader(UInt8(ascii: "$"), text.utf8.count)
                writeString(text)
            case .bytes(let bytes):
                writeRESPHeader(UInt8(ascii: "$"), bytes.readableBytes)
                writeImmutableBuffer(bytes)
            }
            writeInteger(UInt16(0x0d0a))
        }
    }

    /// Writes `<marker><count>\r\n` without building a string (a command has one per argument).
    private mutating func writeRESPHeader(_ marker: UInt8, _ count: Int) {
        writeInteger(marker)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var length = 0
        var rest = UInt64(max(0, count))
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - length] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                length += 1
            } while rest > 0
            writeBytes(UnsafeRawBufferPointer(rebasing: buffer[(24 - length)...]))
        }
        writeInteger(UInt16(0x0d0a))
    }
}

/// One argument of a command.
public enum RESPArgument: Sendable, ExpressibleByStringLiteral {
    /// Text, sent as UTF-8.
    case string(String)
    /// Raw bytes.
    case bytes(ByteBuffer)

    /// A literal argument.
    public init(stringLiteral value: String) { self = .string(value) }
}
