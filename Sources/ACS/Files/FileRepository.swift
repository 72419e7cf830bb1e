import Crypto
import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's downloadable files.
    public var acsFiles: FileRepository { FileRepository(tx: self) }
}

/// Metadata of the provider's downloadable files.
public struct FileRepository: Sendable {
    let tx: Transaction

    static let columns = "id, name, file_type, size, sha256, token, created_by, created_at"

    /// Records an uploaded file and audits it.
    public func create(id: UUID, name: String, fileType: String, size: Int64, sha256: String, by actor: Actor) async throws -> ACSFile {
        let token = Self.hex(Array(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }))
        let stored = try await tx.query("""
            INSERT INTO acs_files (id, provider_id, name, file_type, size, sha256, token, created_by, created_at)
            VALUES (\(id), \(tx.providerID), \(name), \(fileType), \(size), \(sha256), \(token), \(actor.label), \(tx.clock.now))
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode)!
        try await tx.audit("file.create", by: actor, target: ("file", id.lowercased), before: ACSFile?.none, after: stored.file)
        return stored.file
    }

    /// The file with its token, if the provider has it.
    public func find(_ id: UUID) async throws -> StoredFile? {
        try await tx.query("SELECT \(unescaped: Self.columns) FROM acs_files WHERE id = \(id)").acsFirst(Self.decode)
    }

    /// One file; 404 otherwise.
    public func get(_ id: UUID) async throws -> ACSFile {
        guard let stored = try await find(id) else { throw OctoError.notFound("file") }
        return stored.file
    }

    /// The provider's files, newest first.
    public func list(page: PageRequest) async throws -> Page<ACSFile> {
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM acs_files ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).acsRows(Self.decode).map(\.file)
        let total = try await tx.query("SELECT count(*)::int AS count FROM acs_files").acsFirst { try $0.acsColumn("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Deletes a file's row and audits it; 404 when absent. The caller removes the bytes after commit.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM acs_files WHERE id = \(id)")
        try await tx.audit("file.delete", by: actor, target: ("file", id.lowercased), before: before, after: ACSFile?.none)
    }

    static func decode(_ row: PostgresRandomAccessRow) throws -> StoredFile {
        StoredFile(file: ACSFile(id: try row.acsColumn("id"), name: try row.acsColumn("name"), fileType: try row.acsColumn("file_type"),
                                 size: try row.acsColumn("size"), sha256: try row.acsColumn("sha256"),
                                 createdBy: try row.acsColumn("created_by"), createdAt: try row.acsColumn("created_at")),
                   token: try row.acsColumn("token"))
    }

    static func hex(_ bytes: [UInt8]) -> String { HTTPAuthenticator.hex(bytes) }
}
