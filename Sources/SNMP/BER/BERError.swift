/// A failure to decode or encode BER, with the offset where it was found.
public struct BERError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Hashable, Sendable {
        /// The input ended before the element did.
        case truncated
        /// A tag other than the expected one.
        case unexpectedTag
        /// A length that is indefinite, too long or larger than allowed.
        case invalidLength
        /// An integer that does not fit the target type.
        case integerOverflow
        /// An OID that is empty, too long or has an arc over 32 bits.
        case invalidOID
        /// A value whose content is not valid for its type.
        case invalidValue
        /// Constructed elements nested deeper than allowed.
        case tooDeep
        /// Bytes left over after the outermost element.
        case trailingBytes
    }

    /// The kind of failure.
    public var code: Code
    /// Byte offset in the input where the failure was detected.
    public var offset: Int
    /// Extra human-readable context.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, at offset: Int, _ context: String = "") {
        self.code = code
        self.offset = offset
        self.context = context
    }

    /// A one-line description.
    public var description: String {
        context.isEmpty ? "BER \(code.rawValue) at offset \(offset)"
            : "BER \(code.rawValue) at offset \(offset): \(context)"
    }
}
