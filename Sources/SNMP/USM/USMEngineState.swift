/// What the manager knows about one authoritative engine: its ID and its boots/time clock.
///
/// A value-type state machine with no I/O: feed it what arrives with ``receive(_:now:)`` and do
/// what the returned ``Action`` says. Time is passed in, so it is tested without sockets or sleeps.
public struct USMEngineState: Hashable, Sendable {
    /// The usmStats report OIDs (RFC 3414 section 5).
    public enum ReportOID {
        /// usmStatsUnsupportedSecLevels.0
        public static let unsupportedSecLevels: OID = [1, 3, 6, 1, 6, 3, 15, 1, 1, 1, 0]
        /// usmStatsNotInTimeWindows.0
        public static let notInTimeWindows: OID = [1, 3, 6, 1, 6, 3, 15, 1, 1, 2, 0]
        /// usmStatsUnknownUserNames.0
        public static let unknownUserNames: OID = [1, 3, 6, 1, 6, 3, 15, 1, 1, 3, 0]
        /// usmStatsUnknownEngineIDs.0
        public static let unknownEngineIDs: OID = [1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0]
        /// usmStatsWrongDigests.0
        public static let wrongDigests: OID = [1, 3, 6, 1, 6, 3, 15, 1, 1, 5, 0]
        /// usmStatsDecryptionErrors.0
        public static let decryptionErrors: OID = [1, 3, 6, 1, 6, 3, 15, 1, 1, 6, 0]
    }

    /// The largest allowed clock difference, in seconds (RFC 3414 section 3.2.7).
    public static let timeWindow: Int64 = 150

    /// What the caller should do next.
    public enum Action: Hashable, Sendable {
        /// Send a discovery probe (noAuthNoPriv, empty engine ID, reportable).
        case discover
        /// Send (or resend) the request with ``outgoing(now:)`` parameters.
        case send
        /// Hand the response to the application.
        case deliver
        /// Give up with this error.
        case fail(SNMPError)
    }

    /// The security-relevant parts of a received message.
    public struct Incoming: Hashable, Sendable {
        /// The PDU type received.
        public var pduType: PDUType
        /// The first varbind's OID (identifies a report).
        public var firstOID: OID?
        /// msgAuthoritativeEngineID.
        public var engineID: [UInt8]
        /// msgAuthoritativeEngineBoots.
        public var boots: Int32
        /// msgAuthoritativeEngineTime.
        public var time: Int32
        /// Whether the message carried a verified HMAC.
        public var authenticated: Bool

        /// Creates a description of a received message.
        public init(pduType: PDUType, firstOID: OID?, engineID: [UInt8], boots: Int32, time: Int32,
                    authenticated: Bool) {
            self.pduType = pduType
            self.firstOID = firstOID
            self.engineID = engineID
            self.boots = boots
            self.time = time
            self.authenticated = authenticated
        }
    }

    /// The authoritative engine ID, once discovered.
    public private(set) var engineID: [UInt8]?
    /// snmpEngineBoots as last synchronized.
    public private(set) var boots: Int32 = 0
    /// snmpEngineTime at ``syncedAt``.
    public private(set) var time: Int32 = 0
    /// When the clock was last synchronized (nil: never).
    public private(set) var syncedAt: ContinuousClock.Instant?

    /// A fresh state that knows nothing about the engine.
    public init() {}

    /// A state for an engine whose ID is configured in advance.
    public init(engineID: [UInt8]) {
        self.engineID = engineID
    }

    /// Whether the engine ID is known.
    public var isDiscovered: Bool { engineID != nil }

    /// Whether boots and time are known.
    public var isSynchronized: Bool { syncedAt != nil }

    /// The first step before a request: discover the engine, or send straight away.
    public func start() -> Action {
        engineID == nil ? .discover : .send
    }

    /// The engine parameters to put in an outgoing request at `now`.
    public func outgoing(now: ContinuousClock.Instant) -> USMCodec.EngineParameters {
        guard let engineID else { return USMCodec.EngineParameters(engineID: [], boots: 0, time: 0) }
        guard let syncedAt else { return USMCodec.EngineParameters(engineID: engineID, boots: 0, time: 0) }
        let elapsed = (now - syncedAt).components.seconds
        let estimated = min(Int64(time) + max(elapsed, 0), Int64(Int32.max))
        return USMCodec.EngineParameters(engineID: engineID, boots: boots, time: Int32(estimated))
    }

    /// Processes a received message and says what to do next.
    public mutating func receive(_ incoming: Incoming, now: ContinuousClock.Instant) -> Action {
        if incoming.pduType == .report {
            return receiveReport(incoming, now: now)
        }
        if engineID == nil && !incoming.engineID.isEmpty {
            engineID = incoming.engineID
        }
        if incoming.authenticated {
            if let known = engineID, known != incoming.engineID {
                return .fail(SNMPError(.authenticationFailure, "response from an unexpected engine ID"))
            }
            if isSynchronized {
                let local = outgoing(now: now)
                if incoming.boots == Int32.max || incoming.boots < local.boots
                    || (incoming.boots == local.boots && Int64(incoming.time) < Int64(local.time) - Self.timeWindow) {
                    return .fail(SNMPError(.notInTimeWindow, "response boots \(incoming.boots) time \(incoming.time)"))
                }
                // RFC 3414 3.2.7 b: adopt newer values.
                if incoming.boots > local.boots || (incoming.boots == local.boots && incoming.time > local.time) {
                    adopt(boots: incoming.boots, time: incoming.time, now: now)
                }
            } else {
                adopt(boots: incoming.boots, time: incoming.time, now: now)
            }
        }
        return .deliver
    }

    private mutating func receiveReport(_ incoming: Incoming, now: ContinuousClock.Instant) -> Action {
        guard let oid = incoming.firstOID else {
            return .fail(SNMPError(.report, "empty report"))
        }
        switch oid {
        case ReportOID.unknownEngineIDs:
            guard !incoming.engineID.isEmpty else {
                return .fail(SNMPError(.unknownEngineID, "report without an engine ID"))
            }
            engineID = incoming.engineID
            if incoming.boots != 0 || incoming.time != 0 {
                adopt(boots: incoming.boots, time: incoming.time, now: now)
            }
            return .send
        case ReportOID.notInTimeWindows:
            if !incoming.engineID.isEmpty && engineID == nil { engineID = incoming.engineID }
            guard incoming.authenticated || !isSynchronized else {
                return .fail(SNMPError(.notInTimeWindow, "unauthenticated time-window report"))
            }
            adopt(boots: incoming.boots, time: incoming.time, now: now)
            return .send
        case ReportOID.unknownUserNames:
            return .fail(SNMPError(.unknownUser, "usmStatsUnknownUserNames"))
        case ReportOID.wrongDigests:
            return .fail(SNMPError(.authenticationFailure, "usmStatsWrongDigests"))
        case ReportOID.decryptionErrors:
            return .fail(SNMPError(.decryptionError, "usmStatsDecryptionErrors"))
        case ReportOID.unsupportedSecLevels:
            return .fail(SNMPError(.unsupportedSecurityLevel, "usmStatsUnsupportedSecLevels"))
        default:
            return .fail(SNMPError(.report, "report \(oid)"))
        }
    }

    private mutating func adopt(boots: Int32, time: Int32, now: ContinuousClock.Instant) {
        self.boots = boots
        self.time = time
        self.syncedAt = now
    }

    /// Forgets the clock (e.g. after repeated time-window failures), keeping the engine ID.
    public mutating func resetClock() {
        syncedAt = nil
        boots = 0
        time = 0
    }
}
