import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import OctoHTTP

/// The dashboard's static route: caching by kind of file, SPA fallback, security headers, and the
/// API's 404s left alone.
@Suite struct StaticFilesTests {
    /// A small bundle in a temporary directory, shaped like `web/dist`.
    static func bundle() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("octoisp-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("assets"), withIntermediateDirectories: true)
        try "<!doctype html><title>OctoISP</title>".write(to: directory.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try "console.log(1)".write(to: directory.appendingPathComponent("assets/main-AB12CD34.js"), atomically: true, encoding: .utf8)
        try "self.addEventListener('install', () => {})".write(to: directory.appendingPathComponent("sw.js"), atomically: true, encoding: .utf8)
        try "{}".write(to: directory.appendingPathComponent("manifest.webmanifest"), atomically: true, encoding: .utf8)
        return directory.path
    }

    static func get(_ client: any TestClientProtocol, _ path: String, method: HTTPRequest.Method = .get) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        let response = try await client.execute(uri: path, method: method, headers: [:], body: nil)
        return (response.status, response.headers, String(buffer: response.body))
    }

    static let csp = HTTPField.Name("Content-Security-Policy")!

    @Test func servesTheBundleWithCachingAndSecurityHeaders() async throws {
        let directory = try Self.bundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await APIHarness.with(configure: { $0.webDirectory = directory }) { api in
            let (status, headers, body) = try await Self.get(api.client, "/")
            #expect(status == .ok)
            #expect(body.contains("<title>OctoISP</title>"))
            #expect(headers[.contentType] == "text/html; charset=utf-8")
            #expect(headers[.cacheControl] == "no-cache")
            let policy = try #require(headers[Self.csp])
            #expect(policy.contains("default-src 'self'"))
            #expect(policy.contains("script-src 'self'"))
            #expect(policy.contains("connect-src 'self' ws: wss:"))
            #expect(!policy.contains("unsafe-inline"))
            #expect(headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")

            let asset = try await Self.get(api.client, "/assets/main-AB12CD34.js")
            #expect(asset.0 == .ok)
            #expect(asset.1[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(asset.1[.contentType] == "text/javascript; charset=utf-8")
            #expect(asset.1[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(asset.2 == "console.log(1)")

            let worker = try await Self.get(api.client, "/sw.js")
            #expect(worker.1[.cacheControl] == "no-cache")
            let manifest = try await Self.get(api.client, "/manifest.webmanifest")
            #expect(manifest.1[.contentType] == "application/manifest+json")

            let head = try await Self.get(api.client, "/assets/main-AB12CD34.js", method: .head)
            #expect(head.0 == .ok)
            #expect(head.2.isEmpty)
        }
    }

    @Test func clientRoutesFallBackToIndexAndTheAPIKeepsItsErrors() async throws {
        let directory = try Self.bundle()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await APIHarness.with(configure: { $0.webDirectory = directory }) { api in
            for path in ["/devices", "/devices/39dd1c09-0000-4000-8000-000000000000", "/alerts/", "/sign-in?next=%2Fdevices"] {
                let (status, headers, body) = try await Self.get(api.client, path)
                #expect(status == .ok, "\(path)")
                #expect(body.contains("<title>OctoISP</title>"), "\(path)")
                #expect(headers[.cacheControl] == "no-cache", "\(path)")
                #expect(headers[Self.csp] != nil, "\(path)")
            }
            // A missing file is a 404, never the page; so is a way out of the directory.
            for path in ["/assets/main-00000000.js", "/favicon.ico", "/../Package.swift", "/%2e%2e/Package.swift", "/.hidden"] {
                let response = try await api.call(.get, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.errorCode == "not_found", "\(path)")
            }
            // The API answers its own 404s as JSON, and its routes stay reachable.
            let unknown = try await api.call(.get, "/api/v1/no-such-thing")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "not_found")
            // It carries the API's own policy (nothing may load from a JSON answer), not the dashboard's.
            #expect(unknown.headers[Self.csp]?.hasPrefix("default-src 'none'") == true)
            let health = try await api.call(.get, "/health")
            #expect(health.status == .ok)
            // Other methods than GET/HEAD outside the API are not the dashboard's.
            let post = try await api.call(.post, "/devices", json: "{}")
            #expect(post.status == .notFound)
        }
    }

    @Test func withoutABundleTheRootSaysHowToBuildIt() async throws {
        try await APIHarness.with(configure: { $0.webDirectory = "/nonexistent/octoisp-web" }) { api in
            let response = try await api.call(.get, "/")
            #expect(response.status == .notFound)
            #expect(response.errorCode == "not_found")
        }
    }

    @Test(arguments: [("main-AB12CD34.js", true), ("chunk-Z2QW7Y5X.css", true), ("index.html", false), ("icon-192.png", false),
                      ("main-ab12cd34.js", false), ("sw.js", false)])
    func hashedNames(name: String, hashed: Bool) {
        #expect(StaticFiles.isHashed(name) == hashed)
    }
}
