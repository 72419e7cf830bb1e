import Foundation

extension UUID {
    /// Lowercase text form, as PostgreSQL prints it and the API returns it.
    public var lowercased: String { uuidString.lowercased() }
}
