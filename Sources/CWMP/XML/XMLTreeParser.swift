/// A small, non-validating XML parser for SOAP envelopes. It builds an element tree, resolves only the
/// five predefined entities and numeric character references, and refuses any document type or entity
/// declaration, so neither entity expansion (XML bombs) nor external entities (XXE) can happen.
/// Accepts single- and double-quoted attributes; ignores comments, processing instructions and CDATA
/// boundaries (CDATA content is kept as text).
public struct XMLTreeParser: Sendable {
    /// Limits on what is parsed.
    public struct Limits: Sendable, Hashable {
        /// Largest accepted document in bytes.
        public var maximumBytes: Int
        /// Deepest accepted element nesting.
        public var maximumDepth: Int
        /// Most elements accepted in one document.
        public var maximumElements: Int

        /// Creates limits; the defaults suit a CWMP body.
        public init(maximumBytes: Int = 4 << 20, maximumDepth: Int = 64, maximumElements: Int = 400_000) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
            self.maximumElements = maximumElements
        }
    }

    /// The limits applied.
    public var limits: Limits

    /// Creates a parser.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Parses `bytes` (UTF-8) into its root element.
    public func parse(_ bytes: [UInt8]) throws(XMLParseError) -> XMLElement {
        guard bytes.count <= limits.maximumBytes else {
            throw XMLParseError(.tooLarge, "\(bytes.count) bytes exceed the limit of \(limits.maximumBytes)")
        }
        // XML 1.0 has no NUL character (and PostgreSQL text cannot hold one).
        if let nul = bytes.firstIndex(of: 0) { throw XMLParseError(.malformed, "NUL byte at byte \(nul)") }
        var cursor = Cursor(bytes: bytes)
        var stack: [XMLElement] = []
        /// Where the qualified name of each open element is in `bytes`, for its end tag.
        var names: [Range<Int>] = []
        var root: XMLElement?
        var count = 0
        while !cursor.atEnd {
            if cursor.peek == UInt8(ascii: "<") {
                if cursor.hasPrefix("<!--") {
                    try cursor.skip(past: "-->")
                } else if cursor.hasPrefix("<![CDATA[") {
                    cursor.index += 9
                    let start = cursor.index
                    try cursor.skip(past: "]]>")
                    let text = String(decoding: bytes[start..<(cursor.index - 3)], as: UTF8.self)
                    guard !stack.isEmpty else { throw XMLParseError(.malformed, "CDATA outside the root element") }
                    stack[stack.count - 1].text += text
                } else if cursor.hasPrefix("<!") {
                    throw XMLParseError(.forbiddenDeclaration, "declaration at byte \(cursor.index) (DOCTYPE/ENTITY are refused)")
                } else if cursor.hasPrefix("<?") {
                    try cursor.skip(past: "?>")
                } else if cursor.hasPrefix("</") {
                    cursor.index += 2
                    let name = try cursor.readNameRange()
                    cursor.skipSpace()
                    guard cursor.consume(UInt8(ascii: ">")) else { throw XMLParseError(.malformed, "unterminated end tag at byte \(cursor.index)") }
                    guard let element = stack.popLast(), let opened = names.popLast() else {
                        throw XMLParseError(.malformed, "unexpected end tag </\(String(decoding: bytes[name], as: UTF8.self))>")
                    }
                    // Compares the bytes of the two tags' names: no string is made for a well-formed document.
                    guard bytes[name].elementsEqual(bytes[opened]) else {
                        throw XMLParseError(.malformed, "</\(String(decoding: bytes[name], as: UTF8.self))> closes <\(String(decoding: bytes[opened], as: UTF8.self))>")
                    }
                    if stack.isEmpty {
                        guard root == nil else { throw XMLParseError(.malformed, "more than one root element") }
                        root = element
                    } else {
                        stack[stack.count - 1].children.append(element)
                    }
                } else {
                    cursor.index += 1
                    let qualified = try cursor.readNameRange()
                    let name = { String(decoding: bytes[qualified], as: UTF8.self) }
                    var attributes: [String: String] = [:]
                    var selfClosing = false
                    while true {
                        cursor.skipSpace()
                        guard let byte = cursor.peek else { throw XMLParseError(.malformed, "unterminated start tag <\(name())>") }
                        if byte == UInt8(ascii: ">") { cursor.index += 1; break }
                        if byte == UInt8(ascii: "/") {
                            cursor.index += 1
                            guard cursor.consume(UInt8(ascii: ">")) else { throw XMLParseError(.malformed, "bad self-closing tag <\(name())>") }
                            selfClosing = true
                            break
                        }
                        let key = try cursor.readName()
                        cursor.skipSpace()
                        guard cursor.consume(UInt8(ascii: "=")) else { throw XMLParseError(.malformed, "attribute \(key) without value") }
                        cursor.skipSpace()
                        guard let quote = cursor.peek, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
                            throw XMLParseError(.malformed, "unquoted attribute \(key)")
                        }
                        cursor.index += 1
                        let start = cursor.index
                        while let next = cursor.peek, next != quote {
                            if next == UInt8(ascii: "<") { throw XMLParseError(.malformed, "'<' in attribute \(key)") }
                            cursor.index += 1
                        }
                        guard cursor.consume(quote) else { throw XMLParseError(.malformed, "unterminated attribute \(key)") }
                        attributes[key] = try Self.unescape(bytes[start..<(cursor.index - 1)])
                    }
                    count += 1
                    guard count <= limits.maximumElements else { throw XMLParseError(.tooManyElements, "more than \(limits.maximumElements) elements") }
                    guard stack.count < limits.maximumDepth else { throw XMLParseError(.tooDeep, "nesting deeper than \(limits.maximumDepth)") }
                    // `prefix:local`, split at the first colon of the name's bytes.
                    let element = if let colon = bytes[qualified].firstIndex(of: UInt8(ascii: ":")) {
                        XMLElement(prefix: String(decoding: bytes[qualified.lowerBound..<colon], as: UTF8.self),
                                   name: String(decoding: bytes[(colon + 1)..<qualified.upperBound], as: UTF8.self), attributes: attributes)
                    } else {
                        XMLElement(name: name(), attributes: attributes)
                    }
                    if selfClosing {
                        if stack.isEmpty {
                            guard root == nil else { throw XMLParseError(.malformed, "more than one root element") }
                            root = element
                        } else {
                            stack[stack.count - 1].children.append(element)
                        }
                    } else {
                        stack.append(element)
                        names.append(qualified)
                    }
                }
            } else {
                let start = cursor.index
                while let byte = cursor.peek, byte != UInt8(ascii: "<") { cursor.index += 1 }
                let slice = bytes[start..<cursor.index]
                if stack.isEmpty {
                    guard slice.allSatisfy(Cursor.isSpace) else { throw XMLParseError(.malformed, "text outside the root element") }
                } else {
                    stack[stack.count - 1].text += try Self.unescape(slice)
                }
            }
        }
        guard stack.isEmpty, let root else { throw XMLParseError(.malformed, "document ends inside an element or has no root") }
        return root
    }

    /// Resolves `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and `&#…;` references; any other entity is refused.
    static func unescape(_ slice: ArraySlice<UInt8>) throws(XMLParseError) -> String {
        guard slice.contains(UInt8(ascii: "&")) else { return String(decoding: slice, as: UTF8.self) }
        var output: [UInt8] = []
        output.reserveCapacity(slice.count)
        var index = slice.startIndex
        while index < slice.endIndex {
            let byte = slice[index]
            guard byte == UInt8(ascii: "&") else { output.append(byte); index += 1; continue }
            guard let end = slice[index...].firstIndex(of: UInt8(ascii: ";")), end - index <= 12 else {
                throw XMLParseError(.malformed, "unterminated entity reference")
            }
            let name = String(decoding: slice[(index + 1)..<end], as: UTF8.self)
            switch name {
            case "lt": output.append(UInt8(ascii: "<"))
            case "gt": output.append(UInt8(ascii: ">"))
            case "amp": output.append(UInt8(ascii: "&"))
            case "quot": output.append(UInt8(ascii: "\""))
            case "apos": output.append(UInt8(ascii: "'"))
            default:
                let scalar: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    scalar = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    scalar = UInt32(name.dropFirst(1))
                } else {
                    throw XMLParseError(.forbiddenDeclaration, "undeclared entity &\(name); refused")
                }
                guard let scalar, scalar != 0, let unicode = Unicode.Scalar(scalar) else {
                    throw XMLParseError(.malformed, "bad character reference &\(name);")
                }
                output.append(contentsOf: Array(String(Character(unicode)).utf8))
            }
            index = end + 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A read position in the document.
    struct Cursor {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        func hasPrefix(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return text.withUTF8Buffer { buffer in
                for offset in 0..<count where bytes[index + offset] != buffer[offset] { return false }
                return true
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        mutating func skipSpace() {
            while let byte = peek, Self.isSpace(byte) { index += 1 }
        }

        mutating func skip(past terminator: StaticString) throws(XMLParseError) {
            while !atEnd {
                if hasPrefix(terminator) { index += terminator.utf8CodeUnitCount; return }
                index += 1
            }
            throw XMLParseError(.malformed, "missing \(terminator)")
        }

        mutating func readName() throws(XMLParseError) -> String {
            String(decoding: bytes[try readNameRange()], as: UTF8.self)
        }

        /// Reads a name and returns where it is in ``bytes``.
        mutating func readNameRange() throws(XMLParseError) -> Range<Int> {
            let start = index
            while let byte = peek, !Self.isSpace(byte), byte != UInt8(ascii: ">"), byte != UInt8(ascii: "/"),
                  byte != UInt8(ascii: "="), byte != UInt8(ascii: "<") {
                index += 1
            }
            guard index > start else { throw XMLParseError(.malformed, "expected a name at byte \(start)") }
            return start..<index
        }
    }
}
