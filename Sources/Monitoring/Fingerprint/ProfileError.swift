/// A vendor profile file that cannot be used, with the file and the reason.
public struct ProfileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Hashable, Sendable {
        /// The profiles directory or a file could not be read.
        case unreadable
        /// The JSON does not decode into a profile (syntax, missing or mistyped field).
        case invalidJSON
        /// A field the schema does not know.
        case unknownField
        /// A regular expression that does not compile.
        case badRegex
        /// A text that is not a dotted numeric OID.
        case badOID
        /// A value outside what the schema allows (empty match rules, id not matching the file name…).
        case invalidValue
        /// Two files declare the same id, or the `generic` profile is missing.
        case catalog
    }

    /// The kind of problem.
    public var code: Code
    /// The file name (`routeros.json`), or `""` for the catalog as a whole.
    public var file: String
    /// Details: the field path and value.
    public var context: String

    /// Creates an error.
    public init(_ code: Code, file: String, _ context: String) {
        self.code = code
        self.file = file
        self.context = context
    }

    /// `file: code: context`.
    public var description: String {
        file.isEmpty ? "\(code.rawValue): \(context)" : "\(file): \(code.rawValue): \(context)"
    }
}
