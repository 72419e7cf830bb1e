import NIOCore

/// Decodes RESP2 and RESP3 replies from the byte stream (one value per complete frame).
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
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
        writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            switch argument {
            case .string(let text):
                writeString("$\(text.utf8.count)\r\n")
                writeString(text)
            case .bytes(let bytes):
                writeString("$\(bytes.readableBytes)\r\n")
                writeImmutableBuffer(bytes)
            }
            writeString("\r\n")
        }
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
