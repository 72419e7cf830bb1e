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
    /// Seconds a provider's slug and CWMP transport setting stay cached (0: read them for every Inform);
    /// a change to the provider row drops them at once in every process that listens for invalidations.
    public var slugCacheSeconds: TimeInterval
    /// Seconds a CPE credential read from the database is reused by this process (0: read it for every
    /// Inform). A claim that fails against a cached credential is checked against the stored one again,
    /// so this only bounds how long a deleted credential still works here.
    public var credentialCacheSeconds: TimeInterval = 10
    /// Default seconds a device task may wait to be settled before it expires.
    public var taskTimeout: TimeInterval = 86_400
    /// Seconds a download the CPE accepted may wait for its TransferComplete before it expires.
    public var transferTimeout: TimeInterval = 3_600
    /// Base URL CPEs fetch files from (`http://acs.example.net:7547`); when unset, the `Host` the CPE
    /// reached the CWMP endpoint with.
    public var fileBaseURL: String?
    /// Connection requests: timeout and the least interval between two requests to one device.
    public var connectionRequest = ConnectionRequestSettings()
    /// Whether a CPE that authenticates with a provider-wide credential is given one of its own
    /// (SetParameterValues on `ManagementServer.Username/Password`) and, once it took it, refused the
    /// provider-wide one. Needs the engine's ``SecretBox``. Off in this initializer; the server turns it
    /// on unless `OCTOISP_CWMP_DEVICE_CREDENTIALS=off`.
    public var deviceCredentials = false
    /// Failed authentications a source address may have in a minute before it is refused (503) without
    /// a credential being read.
    public var authFailuresPerAddress = 30
    /// Failed authentications a provider's user name may have in a minute before it is refused.
    public var authFailuresPerUsername = 10
    /// Most Informs (and most session ends) of one provider's concurrent sessions committed in one
    /// transaction (group commit); 1 writes each session's alone. An Inform is answered only once its
    /// transaction committed, either way.
    public var groupCommit = 64
    /// Each CWMP connection served with its channel's event loop as the task executor (the endpoint
    /// reads this); `OCTOISP_CWMP_CHANNEL_LOOP=off` turns it off.
    public var channelLoop = true

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

    /// Whether `OCTOISP_CACHES` turns every in-memory cache of rows off (`0`, `off`, `false`, `no`):
    /// each Inform then reads what it needs from PostgreSQL (for comparisons and diagnosis).
    public static func cachesOff(_ environment: [String: String]) -> Bool {
        isOff(environment["OCTOISP_CACHES"])
    }

    /// Whether a switch is set to `0`, `off`, `false` or `no`.
    static func isOff(_ value: String?) -> Bool {
        value.map { ["off", "0", "false", "no"].contains($0.lowercased()) } ?? false
    }

    /// Reads `OCTOISP_CWMP_*` settings from an environment dictionary; unset values keep their defaults.
    public init(environment: [String: String]) {
        self.init()
        if let value = environment["OCTOISP_CWMP_MAX_BODY_BYTES"].flatMap(Int.init), value > 0 { maximumBodyBytes = value }
        if let value = environment["OCTOISP_CWMP_MAX_SESSIONS"].flatMap(Int.init), value > 0 { maximumSessions = value }
        if let value = environment["OCTOISP_CWMP_IDLE_TIMEOUT"].flatMap(Double.init), value > 0 { session.idleTimeout = value }
        if let value = environment["OCTOISP_CWMP_DISCOVERY_BATCH"].flatMap(Int.init), value > 0 { session.discoveryBatchSize = value }
        if let value = environment["OCTOISP_CWMP_REALM"], !value.isEmpty { realm = value }
        if let value = environment["OCTOISP_CWMP_CREDENTIAL_CACHE"].flatMap(Double.init), value >= 0 { credentialCacheSeconds = value }
        if let value = environment["OCTOISP_CWMP_PROVIDER_CACHE"].flatMap(Double.init), value >= 0 { slugCacheSeconds = value }
        if Self.cachesOff(environment) {
            credentialCacheSeconds = 0
            slugCacheSeconds = 0
        }
        if let value = environment["OCTOISP_ACS_TASK_TIMEOUT"].flatMap(Double.init), value > 0 { taskTimeout = value }
        if let value = environment["OCTOISP_ACS_TRANSFER_TIMEOUT"].flatMap(Double.init), value > 0 { transferTimeout = value }
        deviceCredentials = !Self.isOff(environment["OCTOISP_CWMP_DEVICE_CREDENTIALS"])
        channelLoop = !Self.isOff(environment["OCTOISP_CWMP_CHANNEL_LOOP"])
        if let value = environment["OCTOISP_CWMP_AUTH_FAILURES_PER_ADDRESS"].flatMap(Int.init), value > 0 { authFailuresPerAddress = value }
        if let value = environment["OCTOISP_CWMP_AUTH_FAILURES_PER_USER"].flatMap(Int.init), value > 0 { authFailuresPerUsername = value }
        if let value = environment["OCTOISP_CWMP_GROUP_COMMIT"].flatMap(Int.init), value > 0 { groupCommit = value }
        if let value = environment["OCTOISP_CWMP_FILES_URL"], !value.isEmpty { fileBaseURL = value }
        if let value = environment["OCTOISP_CWMP_CR_INTERVAL"].flatMap(Double.init), value >= 0 { connectionRequest.minimumInterval = value }
        if let value = environment["OCTOISP_CWMP_CR_TIMEOUT"].flatMap(Double.init), value > 0 { connectionRequest.timeout = value }
        if let value = environment["OCTOISP_CWMP_UDP_CR_COPIES"].flatMap(Int.init), (1...10).contains(value) { connectionRequest.udpCopies = value }
        if let value = environment["OCTOISP_STUN_BINDING_LIFETIME"].flatMap(Double.init), value > 0 { connectionRequest.stunBindingLifetime = value }
        connectionRequest.outbound = OutboundPolicy(environment: environment, listenHosts: [environment["OCTOISP_CWMP_HOST"] ?? "127.0.0.1",
                                                                                             environment["OCTOISP_HTTP_HOST"] ?? "127.0.0.1"])
    }
}

/// How the ACS asks devices for a session.
public struct ConnectionRequestSettings: Sendable, Hashable {
    /// Seconds to wait for the device's answer.
    public var timeout: TimeInterval
    /// Least seconds between two connection requests to one device (across processes).
    public var minimumInterval: TimeInterval
    /// Where requests may go.
    public var outbound = OutboundPolicy()
    /// Copies of each UDP connection request (UDP may drop one; the CPE acts once per message id).
    public var udpCopies = 3
    /// Pause between two copies.
    public var udpSpacing: TimeInterval = 0.1
    /// A STUN binding older than this is not used (a CPE refreshes it every STUNMaximumKeepAlivePeriod).
    public var stunBindingLifetime: TimeInterval = 300

    /// Creates settings (2 s timeout, at most one request per device every 10 s).
    public init(timeout: TimeInterval = 2, minimumInterval: TimeInterval = 10) {
        self.timeout = timeout
        self.minimumInterval = minimumInterval
    }
}
