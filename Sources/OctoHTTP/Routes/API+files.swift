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
            do {
                return JSONResponse(try await store.upload(request.body, name: name, fileType: type, provider: provider, database: database, by: actor),
                                    status: .created)
            } catch let error as FileStore.TooLarge {
                throw OctoError(.payloadTooLarge, error.description)
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
            try await store.delete(file: id, provider: provider, database: database) { tx in try await tx.acsFiles.delete(id, by: actor) }
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
