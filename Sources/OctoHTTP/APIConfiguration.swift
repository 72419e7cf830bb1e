import Foundation
import Alerts
import NetTools
import OctoJobs

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
    /// Where the rate-limit buckets live when several API processes share the limits: Redis
    /// (`REDIS_URL`); `nil` keeps them in each process.
    public var rateLimitRedis: RedisURL?
    /// Prefix of the rate-limit keys in Redis (`OCTOISP_REDIS_RATE_PREFIX`, default `octoisp:rate`).
    public var rateLimitPrefix = "octoisp:rate"
    /// Which browser push endpoints users may subscribe (`OCTOISP_PUSH_ALLOW_INSECURE=1` also allows
    /// http and private addresses, for development and tests).
    public var pushEndpoints = PushEndpointPolicy()
    /// HTTPS instead of HTTP (`OCTOISP_TLS_CERT` / `OCTOISP_TLS_KEY`, read by ``ListenerTLS/api(environment:)``).
    public var tls: ListenerTLS?

    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (`OCTOISP_TRUSTED_PROXIES`,
    /// comma-separated CIDRs; default none: the peer's address is the client's).
    public var trustedProxies: [IPNetwork] = []

    /// The bearer token `/metrics` on the API port asks for (`OCTOISP_METRICS_TOKEN`). Without it the
    /// API port does not serve metrics (404) and Prometheus scrapes ``metricsListen``.
    public var metricsToken: String?
    /// An internal address serving only `/metrics` (`OCTOISP_METRICS_LISTEN`, `host:port`, e.g.
    /// `127.0.0.1:9464`), without credentials unless ``metricsToken`` is set.
    public var metricsListen: ListenAddress?

    /// A host and port to bind.
    public struct ListenAddress: Sendable, Hashable {
        /// Address to bind.
        public var host: String
        /// Port (0 picks a free one).
        public var port: Int
        /// Creates an address.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        /// Parses `host:port` or `[v6]:port`; `nil` when malformed.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self.init(host: host, port: port)
        }
    }

    /// Ranges the platform never polls or scans (`OCTOISP_OUTBOUND_DENY`, or the defaults: loopback
    /// services, link-local, multicast; plus the platform's own listen addresses): discovery ranges
    /// and SNMP devices inside them are refused.
    public var outboundDeny = DenyListPolicy()

    /// Whether the API listener itself serves HTTPS (set by the TLS set-up): answers then carry
    /// `Strict-Transport-Security`, as they do behind a trusted proxy that says `X-Forwarded-Proto: https`.
    public var servesTLS = false

    /// Idle and request-read deadlines of every connection (`OCTOISP_HTTP_IDLE_TIMEOUT`, `OCTOISP_HTTP_READ_TIMEOUT`).
    public var deadlines = ConnectionDeadlines()

    /// Defaults.
    public init() {}

    /// Defaults overridden by `OCTOISP_HTTP_HOST`, `OCTOISP_HTTP_PORT`, `OCTOISP_RATE_LIMIT_IP`
    /// (requests/s), `OCTOISP_RATE_LIMIT_CREDENTIAL` (requests/s), `OCTOISP_MAX_BODY_BYTES`, `OCTOISP_WEB_DIR` and
    /// `OCTOISP_PUSH_ALLOW_INSECURE`, `OCTOISP_TRUSTED_PROXIES`, `OCTOISP_METRICS_TOKEN`, `OCTOISP_METRICS_LISTEN`, `OCTOISP_OUTBOUND_DENY`,
    /// `REDIS_URL` and `OCTOISP_REDIS_RATE_PREFIX`.
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
        outboundDeny = DenyListPolicy(environment: environment, listenHosts: [host, environment["OCTOISP_CWMP_HOST"] ?? "127.0.0.1"])
        if let token = environment["OCTOISP_METRICS_TOKEN"], !token.isEmpty { metricsToken = token }
        if let listen = environment["OCTOISP_METRICS_LISTEN"], !listen.isEmpty { metricsListen = ListenAddress(listen) }
        if let proxies = environment["OCTOISP_TRUSTED_PROXIES"] {
            trustedProxies = proxies.split(separator: ",").compactMap { IPNetwork(String($0).trimmingCharacters(in: .whitespaces)) }
        }
        deadlines = ConnectionDeadlines(environment: environment)
        if let text = environment["REDIS_URL"], !text.isEmpty { rateLimitRedis = try? RedisURL(text) }
        if let prefix = environment["OCTOISP_REDIS_RATE_PREFIX"], !prefix.isEmpty { rateLimitPrefix = prefix }
    }
}
