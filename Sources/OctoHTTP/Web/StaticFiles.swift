import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OctoCore

/// Serves the dashboard bundle (`web/dist`, built by `scripts/web-build.sh`) at `/`.
///
/// - Hashed assets (`name-HASH8.ext`, as esbuild names them) are cached for a year as immutable.
/// - Everything else (`index.html`, `sw.js`, the manifest, icons) is `no-cache`: revalidated on use.
/// - A GET for a path that is not a file and whose last segment has no extension (`/devices/…`)
///   answers `index.html`, so the client-side router takes over; a missing file with an extension is
///   a 404 like any unknown endpoint. `/api/…`, `/health`, `/ready` and `/metrics` never reach here.
/// - Every answer carries a strict Content-Security-Policy (no inline scripts or styles) and
///   `X-Content-Type-Options: nosniff`.
struct StaticFiles: Sendable {
    /// The bundle's directory, absolute.
    let root: String

    /// The Content-Security-Policy of every page: scripts, styles and workers from this origin only;
    /// the API and the realtime WebSocket on this origin.
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
        "connect-src 'self' ws: wss:", "worker-src 'self'", "manifest-src 'self'", "object-src 'none'",
        "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    static let immutable = "public, max-age=31536000, immutable"
    static let noCache = "no-cache"

    /// `directory` relative paths are taken from the working directory.
    init(directory: String) {
        let url = directory.hasPrefix("/") ? URL(fileURLWithPath: directory)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(directory)
        root = url.standardizedFileURL.path
    }

    /// Whether this request is the dashboard's rather than the API's.
    func serves(_ request: Request) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        let path = request.uri.path
        if path == "/api" || path.hasPrefix("/api/") { return false }
        return !["/health", "/ready", "/metrics"].contains(path)
    }

    /// The file for `request`, the SPA's `index.html`, or a 404 error.
    func respond(to request: Request) throws -> Response {
        guard let segments = Self.segments(of: request.uri.path) else {
            throw OctoError(.notFound, "no such file: \(request.uri.path)")
        }
        let index = root + "/index.html"
        guard FileManager.default.fileExists(atPath: index) else {
            throw OctoError(.notFound, "the dashboard is not built (no index.html in \(root)): run scripts/web-build.sh")
        }
        var file = segments.isEmpty ? index : root + "/" + segments.joined(separator: "/")
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) || isDirectory.boolValue {
            if let last = segments.last, last.contains(".") {
                throw OctoError(.notFound, "no such file: \(request.uri.path)")
            }
            file = index
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw OctoError(.notFound, "no such file: \(request.uri.path)")
        }
        let name = (file as NSString).lastPathComponent
        var headers = Self.securityHeaders
        headers[.contentType] = Self.contentType(of: name)
        headers[.cacheControl] = Self.isHashed(name) ? Self.immutable : Self.noCache
        headers[.contentLength] = String(data.count)
        if name == "sw.js" { headers[HTTPField.Name("Service-Worker-Allowed")!] = "/" }
        let body: ResponseBody = request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        return Response(status: .ok, headers: headers, body: body)
    }

    static var securityHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return headers
    }

    /// The percent-decoded path segments, or `nil` for a path that tries to leave the directory or
    /// names a hidden file.
    static func segments(of path: String) -> [String]? {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let segment = String(raw).removingPercentEncoding, !segment.isEmpty,
                  !segment.hasPrefix("."), !segment.contains("/"), !segment.contains("\0"), !segment.contains("\\") else { return nil }
            segments.append(segment)
        }
        return segments
    }

    /// esbuild's `[name]-[hash]` names: an 8-character upper-case base32 hash before the extension.
    static func isHashed(_ name: String) -> Bool {
        guard let dot = name.firstIndex(of: "."), let dash = name[..<dot].lastIndex(of: "-") else { return false }
        let hash = name[name.index(after: dash)..<dot]
        return hash.count == 8 && hash.allSatisfy { ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") }
    }

    static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json", "map": "application/json"
        case "webmanifest": "application/manifest+json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
