import Foundation

/// An HTTP/HTTPS test of one URL: status, redirects, headers, a timing split, TLS details and the
/// body size.
public struct HTTPTestRequest: Sendable, Hashable, Codable {
    /// `http://` or `https://` URL.
    public var url: String
    /// `GET` or `HEAD`.
    public var method: String
    /// Follow 301/302/303/307/308 answers.
    public var followRedirects: Bool
    /// Redirects followed at most (0…10).
    public var maxRedirects: Int
    /// Milliseconds for each request of the chain (100…60000).
    public var timeoutMs: Int
    /// Refuse a certificate that does not verify against the system trust store and the host name.
    public var verifyTLS: Bool

    /// Creates a request.
    public init(url: String, method: String = "GET", followRedirects: Bool = true, maxRedirects: Int = 5, timeoutMs: Int = 10_000,
                verifyTLS: Bool = true) {
        self.url = url
        self.method = method
        self.followRedirects = followRedirects
        self.maxRedirects = maxRedirects
        self.timeoutMs = timeoutMs
        self.verifyTLS = verifyTLS
    }

    /// Checks the fields; the error names the field.
    public func validate() throws(NetToolError) {
        _ = try parsedURL()
        guard method == "GET" || method == "HEAD" else { throw NetToolError(.invalidRequest, "method must be GET or HEAD", field: "method") }
        try Bounds.check(maxRedirects, 0...10, "maxRedirects")
        try Bounds.check(timeoutMs, 100...60_000, "timeoutMs")
    }

    /// The URL, checked: http or https, a host, at most 2048 bytes.
    public func parsedURL() throws(NetToolError) -> HTTPTarget {
        guard url.utf8.count <= 2048, let target = HTTPTarget(url) else {
            throw NetToolError(.invalidRequest, "url must be an http:// or https:// URL with a host", field: "url")
        }
        return target
    }
}

/// A URL reduced to what the probe needs.
public struct HTTPTarget: Sendable, Hashable {
    /// The full URL.
    public var url: URL
    /// HTTPS.
    public var secure: Bool
    /// The host (brackets removed from an IPv6 literal).
    public var host: String
    /// The port.
    public var port: Int
    /// Path and query (`/` at least).
    public var requestTarget: String

    /// Parses an absolute http(s) URL.
    public init?(_ text: String) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let rawHost = url.host, !rawHost.isEmpty else { return nil }
        let host = rawHost.hasPrefix("[") ? String(rawHost.dropFirst().dropLast()) : rawHost
        guard Bounds.isHost(host) else { return nil }
        self.url = url
        secure = scheme == "https"
        self.host = host
        port = url.port ?? (secure ? 443 : 80)
        guard (1...65535).contains(port) else { return nil }
        var path = url.path.isEmpty ? "/" : url.path
        if let components = URLComponents(url: url, resolvingAgainstBaseURL: false), let encoded = components.percentEncodedPath as String?, !encoded.isEmpty {
            path = encoded
        }
        if let query = url.query { path += "?" + query }
        requestTarget = path
    }
}

/// What an HTTP test measured.
public struct HTTPTestResult: Sendable, Hashable, Codable {
    /// The URL of the last request of the chain.
    public var url: String
    /// The address connected to.
    public var remoteAddress: String?
    /// The status of the last answer (`nil` when no answer came).
    public var status: Int?
    /// The reason phrase.
    public var reason: String?
    /// `HTTP/1.1`.
    public var httpVersion: String?
    /// The redirects followed, in order.
    public var redirects: [HTTPRedirect]
    /// The headers of the last answer, in order.
    public var headers: [HTTPHeaderField]
    /// The timing of the last request.
    public var timing: HTTPTiming
    /// Milliseconds for the whole chain.
    public var chainMs: Double
    /// TLS details of the last request (HTTPS only).
    public var tls: TLSDetails?
    /// Body bytes received.
    public var bodyBytes: Int
    /// Why the test stopped short: the stage (`dns`, `connect`, `tls`, `http`, `guard`) and a sentence.
    public var failedAt: String?
    public var error: String?
}

/// A redirect.
public struct HTTPRedirect: Sendable, Hashable, Codable {
    /// The URL that answered with the redirect.
    public var url: String
    /// The status.
    public var status: Int
    /// Where it pointed.
    public var location: String
}

/// A header.
public struct HTTPHeaderField: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
}

/// Durations of the phases of one request in milliseconds: name resolution, TCP connect, TLS
/// handshake, waiting for the first byte of the answer after the request was sent, and the total
/// (resolution to the last body byte).
public struct HTTPTiming: Sendable, Hashable, Codable {
    public var dnsMs: Double
    public var connectMs: Double?
    public var tlsMs: Double?
    public var firstByteMs: Double?
    public var totalMs: Double
}

/// The negotiated TLS version and the server's certificate.
public struct TLSDetails: Sendable, Hashable, Codable {
    /// `TLSv1.3`, `TLSv1.2`…
    public var version: String?
    /// The subject, `CN=…, O=…`.
    public var subject: String?
    /// The issuer.
    public var issuer: String?
    /// Validity, ISO 8601 UTC.
    public var notBefore: String?
    public var notAfter: String?
    /// Whole days from the test to the expiry (negative once expired).
    public var daysUntilExpiry: Int?
    /// Whether the certificate was verified (`verifyTLS`).
    public var verified: Bool
}
