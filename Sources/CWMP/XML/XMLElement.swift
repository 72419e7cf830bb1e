/// An element of a parsed XML document: qualified name split into prefix and local part, attributes,
/// child elements and the concatenated character data.
public struct XMLElement: Sendable, Hashable {
    /// The namespace prefix (`soap` in `soap:Envelope`), empty when unprefixed.
    public var prefix: String
    /// The local name (`Envelope` in `soap:Envelope`).
    public var name: String
    /// Attributes by their qualified name, as written.
    public var attributes: [String: String]
    /// Child elements in document order.
    public var children: [XMLElement]
    /// Character data directly inside this element (entities resolved).
    public var text: String

    /// Creates an element.
    public init(prefix: String = "", name: String, attributes: [String: String] = [:], children: [XMLElement] = [], text: String = "") {
        self.prefix = prefix
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child whose local name is `name`, compared case-insensitively (devices vary).
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.name.caseInsensitiveEquals(name) }
    }

    /// Every child whose local name is `name`, compared case-insensitively.
    public func children(named name: String) -> [XMLElement] {
        children.filter { $0.name.caseInsensitiveEquals(name) }
    }

    /// The namespace URI bound to `prefix` by this element's own `xmlns` attributes, if any.
    public func namespaceDeclaration(for prefix: String) -> String? {
        attributes[prefix.isEmpty ? "xmlns" : "xmlns:\(prefix)"]
    }

    /// The value of the attribute whose local name (after any prefix) is `local`.
    public func attribute(local: String) -> String? {
        for (key, value) in attributes {
            // The part after the last colon, compared on UTF-8 bytes.
            let bytes = key.utf8
            let localPart = bytes.lastIndex(of: UInt8(ascii: ":")).map { bytes[bytes.index(after: $0)...] } ?? bytes[...]
            if localPart.count == local.utf8.count, String(Substring(localPart)).caseInsensitiveEquals(local) { return value }
        }
        return nil
    }
}

extension String {
    /// Case-insensitive equality. Compares the UTF-8 bytes with ASCII case folding, allocating nothing
    /// (element names are ASCII); a name with non-ASCII bytes falls back to Unicode lowercasing.
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let left = self.utf8, right = other.utf8
        guard left.count == right.count else { return false }
        let folded = left.elementsEqual(right) { a, b in
            a == b || ((a | 0x20) == (b | 0x20) && (a | 0x20) >= 0x61 && (a | 0x20) <= 0x7A)
        }
        if folded { return true }
        if left.allSatisfy({ $0 < 0x80 }), right.allSatisfy({ $0 < 0x80 }) { return false }
        return self.lowercased() == other.lowercased()
    }
}
