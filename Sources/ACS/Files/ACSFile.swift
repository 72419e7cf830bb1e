import Foundation

/// A file CPEs can download (firmware image, configuration file), as the API lists it.
public struct ACSFile: Codable, Sendable, Hashable {
    /// Identifier.
    public var id: UUID
    /// The name it was uploaded with.
    public var name: String
    /// The TR-069 FileType sent in Download, e.g. `1 Firmware Upgrade Image`.
    public var fileType: String
    /// Size in bytes.
    public var size: Int64
    /// Hex SHA-256 of the content; also its ETag.
    public var sha256: String
    /// Who uploaded it.
    public var createdBy: String?
    /// When.
    public var createdAt: Date
}

/// A file with the secret token in its download URL (never shown by the API).
public struct StoredFile: Sendable, Hashable {
    /// What the API shows.
    public var file: ACSFile
    /// The unguessable part of the download URL.
    public var token: String
}
