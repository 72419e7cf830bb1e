import Alerts

/// Settings of the HTTP API.
public struct APIConfiguration: Sendable {
    /// Address to bind (`OCTOISP_HTTP_HOST`, default 127.0.0.1).
    public var host = "127.0.0.1"
    /// Port to bind (`OCTOISP_HTTP_PORT`, default 8080; 0 picks a free one).
    public var port = 8080
    /// Largest JSON body accepted, in bytes.
    public var maxBodySize = 1 << 20
    /// Sustained requests per second per client address.
    public var addressRate = 50.0
    /// Burst per client address.
    public var addressBurst = 200
    /// The dashboard bundle served at `/` (`OCTOISP_WEB_DIR`, default `web/dist` under the working directory).
    public var webDirectory = "web/dist"
    /// Sustained requests per second per credential.
    public var credentialRate = 20.0
    /// Burst per credential.
    public var credentialBurst = 100
    /// Which browser push endpoints users may subscribe (`OCTOISP_PUSH_ALLOW_INSECURE=1` also allows
    /// http and private addresses, for development and tests).
    public var pushEndpoints = PushEndpointPolicy()

    /// Idle and request-read deadlines of every connection (`OCTOISP_HTTP_IDLE_TIMEOUT`, `OCTOISP_HTTP_READ_TIMEOUT`).
    public var deadlines = ConnectionDeadlines()

    /// Defaults.
    public init() {}

    /// Defaults overridden by `OCTOISP_HTTP_HOST`, `OCTOISP_HTTP_PORT`, `OCTOISP_RATE_LIMIT_IP`
    /// (requests/s), `OCTOISP_RATE_LIMIT_CREDENTIAL` (requests/s), `OCTOISP_MAX_BODY_BYTES`, `OCTOISP_WEB_DIR` and
    /// `OCTOISP_PUSH_ALLOW_INSECURE`.
    public init(environment: [String: String]) {
        if let host = environment["OCTOISP_HTTP_HOST"] { self.host = host }
        if let port = environment["OCTOISP_HTTP_PORT"].flatMap(Int.init) { self.port = port }
        if let rate = environment["OCTOISP_RATE_LIMIT_IP"].flatMap(Double.init) {
            addressRate = rate
            addressBurst = max(1, Int(rate * 4))
        }
        if let rate = environment["OCTOISP_RATE_LIMIT_CREDENTIAL"].flatMap(Double.init) {
            credentialRate = rate
            credentialBurst = max(1, Int(rate * 5))
        }
        if let size = environment["OCTOISP_MAX_BODY_BYTES"].flatMap(Int.init) { maxBodySize = size }
        if let directory = environment["OCTOISP_WEB_DIR"], !directory.isEmpty { webDirectory = directory }
        pushEndpoints = PushEndpointPolicy(environment: environment)
        deadlines = ConnectionDeadlines(environment: environment)
    }
}
