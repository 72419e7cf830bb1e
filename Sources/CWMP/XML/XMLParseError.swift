/// Why a document was refused by ``XMLTreeParser``.
public struct XMLParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Kinds of refusal.
    public enum Code: String, Sendable {
        /// The body is larger than the configured limit.
        case tooLarge = "too_large"
        /// A `<!DOCTYPE` or `<!ENTITY` declaration (XML bombs, XXE) was present.
        case forbiddenDeclaration = "forbidden_declaration"
        /// Elements nest deeper than allowed.
        case tooDeep = "too_deep"
        /// More elements than allowed.
        case tooManyElements = "too_many_elements"
        /// The text is not well-formed XML.
        case malformed
    }

    /// The kind of refusal.
    public var code: Code
    /// Where (byte offset) and what, for the log.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, _ context: String) {
        self.code = code
        self.context = context
    }

    /// `code: context`.
    public var description: String { "\(code.rawValue): \(context)" }
}
