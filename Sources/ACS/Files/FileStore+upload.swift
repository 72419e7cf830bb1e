import Crypto
import Foundation
import NIOCore
import NIOPosix
import OctoCore
import OctoStore

extension FileStore {
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
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }
}
