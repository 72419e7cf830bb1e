import CWMP
import Foundation

/// Tunables of the ACS.
public struct ACSConfiguration: Sendable, Hashable {
    /// Largest accepted CWMP body in bytes; larger ones get 413.
    public var maximumBodyBytes: Int
    /// Session tunables (idle timeout, discovery batch size).
    public var session: CWMPSession.Configuration
    /// Live sessions this process accepts before refusing new ones with 503.
    public var maximumSessions: Int
    /// Seconds a refused CPE is told to wait (Retry-After).
    public var retryAfterSeconds: Int
    /// The HTTP authentication realm.
    public var realm: String
    /// Seconds a Digest nonce stays valid.
    public var nonceLifetime: TimeInterval
    /// Seconds a provider slug stays cached.
    public var slugCacheSeconds: TimeInterval

    /// Creates a configuration.
    public init(maximumBodyBytes: Int = 2 << 20, session: CWMPSession.Configuration = .init(), maximumSessions: Int = 20_000,
                retryAfterSeconds: Int = 30, realm: String = "OctoISP ACS", nonceLifetime: TimeInterval = 300,
                slugCacheSeconds: TimeInterval = 30) {
        self.maximumBodyBytes = maximumBodyBytes
        self.session = session
        self.maximumSessions = maximumSessions
        self.retryAfterSeconds = retryAfterSeconds
        self.realm = realm
        self.nonceLifetime = nonceLifetime
        self.slugCacheSeconds = slugCacheSeconds
    }

    /// Reads `OCTOISP_CWMP_*` settings from an environment dictionary; unset values keep their defaults.
    public init(environment: [String: String]) {
        self.init()
        if let value = environment["OCTOISP_CWMP_MAX_BODY_BYTES"].flatMap(Int.init), value > 0 { maximumBodyBytes = value }
        if let value = environment["OCTOISP_CWMP_MAX_SESSIONS"].flatMap(Int.init), value > 0 { maximumSessions = value }
        if let value = environment["OCTOISP_CWMP_IDLE_TIMEOUT"].flatMap(Double.init), value > 0 { session.idleTimeout = value }
        if let value = environment["OCTOISP_CWMP_DISCOVERY_BATCH"].flatMap(Int.init), value > 0 { session.discoveryBatchSize = value }
        if let value = environment["OCTOISP_CWMP_REALM"], !value.isEmpty { realm = value }
    }
}
