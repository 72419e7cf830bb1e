import Crypto
import Foundation
import NIOCore
import NIOPosix
import OctoCore
import OctoStore
import Synchronization
import Logging

extension FileStore {
    static let logger = Logger(label: "octoisp.files")

    /// An upload past ``maximumBytes``.
    public struct TooLarge: Error, CustomStringConvertible {
        /// The limit.
        public let limit: Int
        /// "file is larger than … bytes".
        public var description: String { "file is larger than \(limit) bytes" }
    }

    /// Stores an upload: streams `chunks` to a temporary file (off the cooperative pool, counting and
    /// hashing as it goes, refusing past ``maximumBytes``), records the file in one tenant transaction,
    /// then moves it in place. When anything fails nothing is left on disk and no row is written.
    public func upload<Chunks: AsyncSequence>(_ chunks: Chunks, name: String, fileType: String, provider: UUID, database: Database,
                                              by actor: Actor) async throws -> ACSFile where Chunks.Element == ByteBuffer {
        let id = UUID()
        let temporary = uploadPath(provider: provider, file: id)
        do {
            try FileManager.default.createDirectory(atPath: directory(provider: provider), withIntermediateDirectories: true)
            let fileIO = NonBlockingFileIO(threadPool: .singleton)
            var hash = SHA256()
            var size = 0
            try await fileIO.withFileHandle(path: temporary, mode: .write, flags: .allowFileCreation(posixMode: 0o600)) { handle in
                for try await chunk in chunks {
                    size += chunk.readableBytes
                    guard size <= maximumBytes else { throw TooLarge(limit: maximumBytes) }
                    chunk.withUnsafeReadableBytes { hash.update(bufferPointer: $0) }
                    try await fileIO.write(fileHandle: handle, buffer: chunk)
                }
            }
            guard size > 0 else { throw OctoError(.invalidInput, "request body is empty; send the file's bytes") }
            let sha256 = hash.finalize().map { String(format: "%02x", $0) }.joined()
            return try await database.withTenant(provider) { tx in
                let file = try await tx.acsFiles.create(id: id, name: name, fileType: fileType, size: Int64(size), sha256: sha256, by: actor)
                try FileManager.default.moveItem(atPath: temporary, toPath: path(provider: provider, file: id))
                return file
            }
        } catch {
            // The id is fresh, so bytes under either name are this upload's own: a rolled-back row leaves none.
            Self.removeLeftover(temporary)
            Self.removeLeftover(path(provider: provider, file: id))
            throw error
        }
    }

    /// Removes `path` when it exists; a failure is thrown (a missing file is not one).
    static func remove(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }

    static func removeLeftover(_ path: String) {
        do {
            try remove(path)
        } catch {
            FileStore.logger.error("leftover upload bytes not removed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// Deletes file `id` of `provider`: inside `body`'s transaction (which deletes the row) the bytes are
    /// renamed aside, so a rename that fails rolls the row back and fails the request; a rolled-back row gets
    /// its bytes back; after the commit the renamed bytes are removed, a failure there is thrown.
    public func delete<T: Sendable>(file id: UUID, provider: UUID, database: Database,
                                    _ body: (Transaction) async throws -> T) async throws -> T {
        let path = path(provider: provider, file: id)
        let aside = (directory(provider: provider) as NSString).appendingPathComponent(".delete-" + id.lowercased)
        let renamed = Mutex(false)
        let result: T
        do {
            result = try await database.withTenant(provider) { tx in
                let value = try await body(tx)
                if FileManager.default.fileExists(atPath: path) {
                    try FileManager.default.moveItem(atPath: path, toPath: aside)
                    renamed.withLock { $0 = true }
                }
                return value
            }
        } catch {
            if renamed.withLock({ $0 }) { try FileManager.default.moveItem(atPath: aside, toPath: path) }
            throw error
        }
        if renamed.withLock({ $0 }) { try Self.remove(aside) }
        return result
    }
}
