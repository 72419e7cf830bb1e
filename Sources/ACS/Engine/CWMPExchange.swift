/// One HTTP request to the CWMP endpoint, stripped of the HTTP framework.
public struct CWMPRequest: Sendable {
    /// The provider slug from `/cwmp/{providerSlug}`.
    public var providerSlug: String
    /// The HTTP method.
    public var method: String
    /// The request URI as sent (for Digest).
    public var uri: String
    /// The `Authorization` header.
    public var authorization: String?
    /// Every `Cookie` header value.
    public var cookies: [String]
    /// The body (empty for the CPE's empty POST).
    public var body: [UInt8]
    /// The peer's address.
    public var remoteAddress: String?
    /// The `Host` header (`host[:port]`), for the URLs of files the CPE downloads.
    public var host: String?
    /// Whether the request came over TLS.
    public var secure: Bool

    /// Creates a request.
    public init(providerSlug: String, method: String = "POST", uri: String, authorization: String?, cookies: [String], body: [UInt8],
                remoteAddress: String?, host: String? = nil, secure: Bool = false) {
        self.host = host
        self.secure = secure
        self.providerSlug = providerSlug
        self.method = method
        self.uri = uri
        self.authorization = authorization
        self.cookies = cookies
        self.body = body
        self.remoteAddress = remoteAddress
    }
}

/// The answer to a ``CWMPRequest``.
public struct CWMPResponse: Sendable, Hashable {
    /// HTTP status code.
    public var status: Int
    /// Headers to send (name, value); names may repeat.
    public var headers: [(String, String)]
    /// The body.
    public var body: String

    /// Creates a response.
    public init(status: Int, headers: [(String, String)] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// Compares status, headers and body.
    public static func == (lhs: CWMPResponse, rhs: CWMPResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.map { "\($0.0):\($0.1)" } == rhs.headers.map { "\($0.0):\($0.1)" }
    }

    /// Hashes status and body.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
    }
}
