import ACS
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

extension CWMPServer {
    /// `GET|HEAD /cwmp-files/{providerSlug}/{fileId}/{token}`: the file a Download names, with
    /// `Range` (206/416), `ETag` (its SHA-256) and `If-None-Match` (304). A wrong token, another
    /// provider's file or a deleted one all answer 404.
    func addFileRoutes(to router: Router<CWMPContext>) {
        let engine = engine
        let files = files
        let handler: @Sendable (Request, CWMPContext) async throws -> Response = { request, context in
            guard let files, let slug = context.parameters.get("slug"), let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
                  let token = context.parameters.get("token"),
                  let (provider, stored) = await engine.downloadableFile(slug: slug, id: id, token: token) else {
                return Self.plain(.notFound, "not found\n")
            }
            let path = files.path(provider: provider, file: id)
            guard FileManager.default.fileExists(atPath: path) else { return Self.plain(.notFound, "not found\n") }
            let size = Int(stored.file.size)
            let etag = "\"\(stored.file.sha256)\""
            var headers: HTTPFields = [.eTag: etag, .acceptRanges: "bytes", .contentType: "application/octet-stream"]
            if let match = request.headers[.ifNoneMatch], match == "*" || match.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "") == etag
            }) {
                return Response(status: .notModified, headers: headers)
            }
            let head = request.method == .head
            switch ByteRange.resolve(request.headers[.range], size: size) {
            case .unsatisfiable:
                headers[.contentRange] = "bytes */\(size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            case .partial(let range):
                headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
                headers[.contentLength] = String(range.count)
                let body = head ? ResponseBody() : try await FileIO().loadFile(path: path, range: range, context: context)
                return Response(status: .partialContent, headers: headers, body: body)
            case .whole:
                headers[.contentLength] = String(size)
                let body = head || size == 0 ? ResponseBody() : try await FileIO().loadFile(path: path, context: context)
                return Response(status: .ok, headers: headers, body: body)
            }
        }
        router.get("/cwmp-files/:slug/:id/:token", use: handler)
        router.head("/cwmp-files/:slug/:id/:token", use: handler)
    }
}
