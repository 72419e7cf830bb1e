import ACS
import Crypto
import Foundation
import Hummingbird
import NIOCore
import OctoCore
import OctoStore
import Synchronization

extension API {
    /// Files CPEs download: upload (raw body, `provisioning.write`), list and read (`provisioning.read`), delete.
    func addFileRoutes(to routes: inout RouteTable) {
        routes.post("files", query: ["name", "type"], body: .raw) { request, context in
            try context.require(.provisioning, .write)
            let store = try fileStore()
            guard let name = request.query("name"), (1...255).contains(name.count), !name.contains("/") else {
                throw OctoError.invalid("name", "name (query) is required: 1–255 characters, no slash")
            }
            guard let type = request.query("type").flatMap(Self.fileType) else {
                throw OctoError.invalid("type", "type (query) must be firmware, config or a TR-069 FileType such as '1 Firmware Upgrade Image'")
            }
            let actor = try context.actor()
            let provider = try await tenant(request, context)
            let id = UUID()
            let temporary = store.uploadPath(provider: provider, file: id)
            let digest = UploadDigest(limit: store.maximumBytes)
            do {
                try FileManager.default.createDirectory(atPath: store.directory(provider: provider), withIntermediateDirectories: true)
                try await FileIO().writeFile(contents: request.body.map { try digest.consume($0) }, path: temporary, context: context)
                let (size, sha256) = digest.finish()
                guard size > 0 else { throw OctoError(.invalidInput, "request body is empty; send the file's bytes") }
                let file = try await database.withTenant(provider, logger: context.logger) { tx in
                    let file = try await tx.acsFiles.create(id: id, name: name, fileType: type, size: Int64(size), sha256: sha256, by: actor)
                    try FileManager.default.moveItem(atPath: temporary, toPath: store.path(provider: provider, file: id))
                    return file
                }
                return JSONResponse(file, status: .created)
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                if error is UploadDigest.TooLarge {
                    throw OctoError(.payloadTooLarge, "file is larger than \(store.maximumBytes) bytes")
                }
                throw error
            }
        }
        routes.get("files", paged: true) { request, context in
            try context.require(.provisioning, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.acsFiles.list(page: page) })
        }
        routes.get("files/:id") { request, context in
            try context.require(.provisioning, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.acsFiles.get(id) })
        }
        routes.delete("files/:id") { request, context in
            try context.require(.provisioning, .write)
            let store = try fileStore()
            let id = try context.uuid()
            let actor = try context.actor()
            let provider = try await tenant(request, context)
            try await database.withTenant(provider, logger: context.logger) { tx in try await tx.acsFiles.delete(id, by: actor) }
            try? FileManager.default.removeItem(atPath: store.path(provider: provider, file: id))
            return NoContent()
        }
    }

    func fileStore() throws(OctoError) -> FileStore {
        guard let files else { throw OctoError(.unavailable, "this process serves no files (OCTOISP_FILES_DIR)") }
        return files
    }

    /// `firmware`, `config` or a TR-069 FileType.
    static func fileType(_ text: String) -> String? {
        switch text {
        case "firmware": "1 Firmware Upgrade Image"
        case "config": "3 Vendor Configuration File"
        default: DeviceTaskInput.isFileType(text) ? text : nil
        }
    }
}

/// Counts and hashes an upload as it streams to disk, refusing it past the limit.
final class UploadDigest: Sendable {
    struct TooLarge: Error {}

    let limit: Int
    private let state = Mutex<(size: Int, hash: SHA256)>((0, SHA256()))

    init(limit: Int) {
        self.limit = limit
    }

    func consume(_ buffer: ByteBuffer) throws -> ByteBuffer {
        try state.withLock { state in
            state.size += buffer.readableBytes
            guard state.size <= limit else { throw TooLarge() }
            buffer.withUnsafeReadableBytes { state.hash.update(bufferPointer: $0) }
        }
        return buffer
    }

    func finish() -> (size: Int, sha256: String) {
        state.withLock { state in
            (state.size, state.hash.finalize().map { String(format: "%02x", $0) }.joined())
        }
    }
}
