import Foundation
import OctoCore

/// Where downloadable files live: one directory per provider under ``directory``, each file named
/// by its id. The metadata (name, type, size, SHA-256, URL token) is in `acs_files` under RLS.
///
/// Disk rather than PostgreSQL large objects: `pg_largeobject` has no row-level security, so large
/// objects would escape the tenant policies; files are also served with `Range` straight from disk.
/// Several ACS processes need the directory on shared storage.
public struct FileStore: Sendable, Hashable {
    /// The root directory.
    public var directory: String
    /// Largest accepted upload, in bytes.
    public var maximumBytes: Int

    /// Creates a store rooted at `directory`.
    public init(directory: String, maximumBytes: Int = 512 << 20) {
        self.directory = directory
        self.maximumBytes = maximumBytes
    }

    /// `OCTOISP_FILES_DIR` (default `.octoisp/files`) and `OCTOISP_FILES_MAX_BYTES` (default 512 MiB).
    public init(environment: [String: String]) {
        self.init(directory: environment["OCTOISP_FILES_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? ".octoisp/files",
                  maximumBytes: environment["OCTOISP_FILES_MAX_BYTES"].flatMap(Int.init) ?? 512 << 20)
    }

    /// The provider's directory.
    public func directory(provider: UUID) -> String {
        (directory as NSString).appendingPathComponent(provider.lowercased)
    }

    /// Where file `id` of `provider` is stored.
    public func path(provider: UUID, file id: UUID) -> String {
        (directory(provider: provider) as NSString).appendingPathComponent(id.lowercased)
    }

    /// Where an upload of file `id` is written before its row commits.
    public func uploadPath(provider: UUID, file id: UUID) -> String {
        (directory(provider: provider) as NSString).appendingPathComponent(".upload-" + id.lowercased)
    }
}
