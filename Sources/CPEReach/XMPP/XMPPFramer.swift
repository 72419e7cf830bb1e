import CWMP

/// Splits an XMPP stream (RFC 6120 §4) into what arrives on it: the opening `<stream:stream>` tag,
/// each complete top-level element (a stanza, `<stream:features/>`, SASL answers) and the closing
/// tag. Bytes are fed as they come; an element is parsed only once it is complete, with the same
/// parser as CWMP (no DTDs, no entities beyond the predefined ones). No I/O.
public struct XMPPFramer: Sendable {
    /// What the stream carried.
    public enum Event: Sendable, Hashable {
        /// `<stream:stream …>` with its attributes (`id`, `from`, `version`…).
        case opened([String: String])
        /// A complete top-level element.
        case element(XMLElement)
        /// `</stream:stream>`.
        case closed
    }

    /// Why the stream is not acceptable.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public let description: String
    }

    var buffer: [UInt8] = []
    var depth = 0
    var elementStart: Int?
    /// Where scanning resumes: bytes before it were already read (tags counted).
    var scanned = 0
    /// Largest element accepted (a connection request is a few hundred bytes).
    public var maximumElementBytes: Int

    /// Creates a framer.
    public init(maximumElementBytes: Int = 256 * 1024) {
        self.maximumElementBytes = maximumElementBytes
    }

    /// Forgets everything: after STARTTLS or SASL success the stream starts over (RFC 6120 §6.4.6).
    public mutating func restart() {
        buffer = []
        depth = 0
        elementStart = nil
        scanned = 0
    }

    /// Adds `bytes` and returns the events now complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [Event] {
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        var index = scanned
        var consumed = 0
        scan: while index < buffer.count {
            guard buffer[index] == UInt8(ascii: "<") else {
                index += 1
                if elementStart == nil { consumed = index }
                continue
            }
            let start = index
            if starts(with: "<?", at: index) {
                guard let end = find("?>", from: index) else { break scan }
                index = end + 2
            } else if starts(with: "<!--", at: index) {
                guard let end = find("-->", from: index) else { break scan }
                index = end + 3
            } else if starts(with: "<![CDATA[", at: index) {
                guard let end = find("]]>", from: index) else { break scan }
                index = end + 3
            } else if starts(with: "<!", at: index) {
                throw Failure(description: "declarations are not allowed in an XMPP stream")
            } else {
                guard let end = tagEnd(from: index) else { break scan }
                index = end + 1
                let closing = buffer[start + 1] == UInt8(ascii: "/")
                let selfClosing = buffer[end - 1] == UInt8(ascii: "/")
                if closing {
                    depth -= 1
                    if depth == 0 {
                        events.append(.closed)
                    } else if depth == 1, let from = elementStart {
                        events.append(.element(try parse(Array(buffer[from..<index]))))
                        elementStart = nil
                    } else if depth < 0 {
                        throw Failure(description: "end tag without a start tag")
                    }
                } else if depth == 0 {
                    let tag = String(decoding: buffer[start..<index], as: UTF8.self)
                    guard tag.hasPrefix("<stream:stream") else { throw Failure(description: "the stream does not start with <stream:stream>") }
                    let element = try parse(Array((tag.dropLast() + "/>").utf8))
                    events.append(.opened(element.attributes))
                    depth = 1
                } else if depth == 1 {
                    if selfClosing {
                        events.append(.element(try parse(Array(buffer[start..<index]))))
                    } else {
                        elementStart = start
                        depth = 2
                    }
                } else if !selfClosing {
                    depth += 1
                }
            }
            if elementStart == nil { consumed = index }
        }
        scanned = index - consumed
        if consumed > 0 {
            buffer.removeFirst(consumed)
            if let from = elementStart { elementStart = from - consumed }
        }
        if buffer.count > maximumElementBytes { throw Failure(description: "an element larger than \(maximumElementBytes) bytes") }
        return events
    }

    func parse(_ bytes: [UInt8]) throws(Failure) -> XMLElement {
        do {
            return try XMLTreeParser(limits: .init(maximumBytes: maximumElementBytes, maximumDepth: 32, maximumElements: 4096)).parse(bytes)
        } catch {
            throw Failure(description: "malformed element: \(error)")
        }
    }

    func starts(with prefix: String, at index: Int) -> Bool {
        let bytes = Array(prefix.utf8)
        guard index + bytes.count <= buffer.count else {
            // Not enough bytes to tell yet: a prefix of `prefix` counts as a match, so the caller waits.
            return buffer[index...].elementsEqual(bytes.prefix(buffer.count - index))
        }
        return buffer[index..<(index + bytes.count)].elementsEqual(bytes)
    }

    func find(_ text: String, from index: Int) -> Int? {
        let bytes = Array(text.utf8)
        guard buffer.count >= bytes.count else { return nil }
        var position = index
        while position + bytes.count <= buffer.count {
            if buffer[position..<(position + bytes.count)].elementsEqual(bytes) { return position }
            position += 1
        }
        return nil
    }

    /// The index of the `>` ending the tag at `index`, skipping quoted attribute values.
    func tagEnd(from index: Int) -> Int? {
        var quote: UInt8?
        var position = index + 1
        while position < buffer.count {
            let byte = buffer[position]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return position
            }
            position += 1
        }
        return nil
    }
}

/// Escapes text for XML character data and attribute values.
public func xmlEscape(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.count)
    for char in text {
        switch char {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&apos;"
        default: result.append(char)
        }
    }
    return result
}
