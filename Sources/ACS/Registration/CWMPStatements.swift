import CWMP
import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

/// The two steps of a steady-state session as one statement each, in a transaction of its own that
/// binds itself to the provider before anything else (the functions of migrations 0007 and 0130, which
/// run under row-level security): the Inform of a device already registered (with the provider-wide
/// credential check when the CPE signed in with that credential), and the end of a session.
/// One round trip each instead of a tenant transaction of several statements.
struct CWMPStatements: Sendable {
    let database: Database
    let logger: Logger
    /// Informs and session ends of concurrent sessions, committed together (nil: one statement each).
    let informs: GroupCommit<InformCall, InformResult>?
    let ends: GroupCommit<EndCall, Void>?

    /// Statements on `database`; with `groupCommit` above 1, concurrent sessions of one provider are
    /// written up to that many per transaction (see ``GroupCommit``).
    init(database: Database, logger: Logger, groupCommit: Int = 1) {
        self.database = database
        self.logger = logger
        guard groupCommit > 1 else {
            informs = nil
            ends = nil
            return
        }
        informs = GroupCommit(statement: "inform", maximumBatch: groupCommit,
                              batch: { provider, calls in try await Self.informBatch(calls, provider: provider, database: database, logger: logger) },
                              single: { provider, call in try await Self.informAlone(call, provider: provider, database: database, logger: logger) })
        ends = GroupCommit(statement: "end", maximumBatch: groupCommit,
                           batch: { provider, calls in
                               try await Self.endBatch(calls, provider: provider, database: database, logger: logger)
                               return Array(repeating: (), count: calls.count)
                           },
                           single: { provider, call in try await Self.endAlone(call, provider: provider, database: database, logger: logger) })
    }

    /// What ``inform(_:identity:version:remoteIP:provider:boundDevice:shared:leaseToken:leaseSeconds:)`` did,
    /// and whether the device waits for an operator's approval (only known when `shared`: a registered
    /// device not approved, or an unknown one of a provider that requires approval).
    struct InformResult: Sendable, Hashable {
        var outcome: InformOutcome
        var held: Bool
    }

    /// What the Inform statement did.
    enum InformOutcome: Sendable, Hashable {
        /// The device is not registered: nothing was written; register it in a tenant transaction.
        case unknown
        /// Another session holds the device's lease: nothing was written.
        case busy
        /// The CPE signed in with the provider-wide credential but the device has an active one of its
        /// own: nothing was written.
        case ownCredential
        /// The credential is bound to another device: nothing was written.
        case boundElsewhere
        /// The lease is taken and the Inform stored.
        case registered(Registration)
    }

    /// The arguments of one Inform statement.
    struct InformCall: Sendable {
        var identity: DeviceIdentity
        var facts: InformFacts
        var root: String
        var version: CWMPVersion
        var retryCount: Int
        var boundDevice: UUID?
        var shared: Bool
        var token: String
        var now: Date
        var leaseUntil: Date
    }

    /// The lease a session gives up.
    struct EndCall: Sendable {
        var device: UUID
        var token: String
    }

    /// Takes the lease of the registered device `identity` names and stores the Inform, as
    /// ``CWMPRepository/register(_:identity:version:remoteIP:leaseToken:leaseSeconds:)`` does for a
    /// device that exists; writes nothing unless the lease is taken. With `shared` (the CPE signed in
    /// with the provider-wide credential) the same statement first refuses a device that has an active
    /// credential of its own and says whether the device is held for approval. Returns once the
    /// Inform is committed (with other sessions' Informs when group commit is on; a BOOTSTRAP, which
    /// forgets the device's cached tree, is always written alone).
    func inform(_ inform: Inform, identity: DeviceIdentity, version: CWMPVersion, remoteIP: String?, provider: UUID,
                boundDevice: UUID?, shared: Bool, leaseToken: String, leaseSeconds: TimeInterval) async throws -> InformResult {
        let now = database.clock.now
        let call = InformCall(identity: identity, facts: InformFacts(inform, remoteIP: remoteIP), root: inform.root, version: version,
                              retryCount: inform.retryCount, boundDevice: boundDevice, shared: shared, token: leaseToken, now: now,
                              leaseUntil: now.addingTimeInterval(leaseSeconds))
        if let informs, !call.facts.bootstrap {
            return try await informs.submit(call, key: identity.oui + "-" + identity.serialNumber, provider: provider)
        }
        return try await Self.informAlone(call, provider: provider, database: database, logger: logger)
    }

    /// Gives the session lease `token` holds up.
    func endSession(provider: UUID, device: UUID, token: String) async throws {
        let call = EndCall(device: device, token: token)
        if let ends { return try await ends.submit(call, key: device.uuidString, provider: provider) }
        try await Self.endAlone(call, provider: provider, database: database, logger: logger)
    }

    static func informAlone(_ call: InformCall, provider: UUID, database: Database, logger: Logger) async throws -> InformResult {
        let facts = call.facts
        let identity = call.identity
        let rows = try await database.appStatement("""
            SELECT outcome, device_id, discovered, queued, held FROM cwmp_session_open_as(
                \(provider), \(identity.oui), \(identity.serialNumber), \(identity.manufacturer), \(identity.productClass),
                \(facts.software), \(facts.hardware), \(facts.managementIP)::inet, \(call.boundDevice), \(call.token), \(call.now),
                \(call.leaseUntil), \(facts.bootstrap), \(call.root), \(call.version.namespace), \(facts.requestURL),
                \(facts.remoteIP)::inet, \(facts.parameterKey), \(facts.events)::text[], \(facts.commandKeys)::text[],
                \(call.retryCount)::int4, \(facts.values.map(\.name))::text[], \(facts.values.map(\.value))::text[],
                \(facts.values.map(\.type))::text[], \(call.shared))
            """, logger: logger)
        guard let row = rows.first?.makeRandomAccess() else { throw ACSError(.badRequest, "device could not be registered") }
        return try result(of: row)
    }

    /// The Informs `calls` (of distinct devices, none a BOOTSTRAP) in one statement, one result each in
    /// their order (the function returns them by item; ``GroupCommit`` checks the count).
    static func informBatch(_ calls: [InformCall], provider: UUID, database: Database, logger: Logger) async throws -> [InformResult] {
        try await database.appStatement("""
            SELECT outcome, device_id, discovered, queued, held FROM cwmp_session_open_batch_as(\(provider), \(batchDocument(calls))::jsonb)
            ORDER BY item
            """, logger: logger).map { try result(of: $0.makeRandomAccess()) }
    }

    private static func result(of row: PostgresRandomAccessRow) throws -> InformResult {
        let held = try row.acsColumn("held", as: Bool.self)
        switch try row.acsColumn("outcome", as: String.self) {
        case "unknown":
            return InformResult(outcome: .unknown, held: held)
        case "busy":
            return InformResult(outcome: .busy, held: held)
        case "bound":
            return InformResult(outcome: .boundElsewhere, held: held)
        case "own":
            return InformResult(outcome: .ownCredential, held: held)
        default:
            return InformResult(outcome: .registered(Registration(deviceID: try row.acsColumn("device_id"), created: false,
                                                                  needsDiscovery: !(try row.acsColumn("discovered", as: Bool.self)),
                                                                  hasQueuedTasks: try row.acsColumn("queued"))),
                                held: held)
        }
    }

    /// The JSON array `cwmp_session_open_batch_as` reads: one object per call with the fields of the
    /// `cwmp_inform_item` type (migration 0157), times as seconds since 1970.
    static func batchDocument(_ calls: [InformCall]) -> String {
        var json = JSONText()
        json.reserve(calls.count * 1_024)
        json.raw("[")
        for (index, call) in calls.enumerated() {
            let facts = call.facts
            if index > 0 { json.raw(",") }
            json.raw("{\"oui\":"); json.string(call.identity.oui)
            json.raw(",\"serial\":"); json.string(call.identity.serialNumber)
            json.raw(",\"manufacturer\":"); json.string(call.identity.manufacturer)
            json.raw(",\"product_class\":"); json.string(call.identity.productClass)
            json.raw(",\"software\":"); json.string(facts.software)
            json.raw(",\"hardware\":"); json.string(facts.hardware)
            json.raw(",\"management_ip\":"); json.string(facts.managementIP)
            json.raw(",\"bound_device\":"); json.string(call.boundDevice?.uuidString)
            json.raw(",\"token\":"); json.string(call.token)
            json.raw(",\"at\":"); json.number(call.now.timeIntervalSince1970)
            json.raw(",\"lease_until\":"); json.number(call.leaseUntil.timeIntervalSince1970)
            json.raw(",\"root\":"); json.string(call.root)
            json.raw(",\"version\":"); json.string(call.version.namespace)
            json.raw(",\"request_url\":"); json.string(facts.requestURL)
            json.raw(",\"remote_ip\":"); json.string(facts.remoteIP)
            json.raw(",\"parameter_key\":"); json.string(facts.parameterKey)
            json.raw(",\"events\":"); json.strings(facts.events)
            json.raw(",\"command_keys\":"); json.strings(facts.commandKeys)
            json.raw(",\"retry_count\":"); json.raw(String(call.retryCount))
            json.raw(",\"paths\":"); json.strings(facts.values.map(\.name))
            json.raw(",\"vals\":"); json.strings(facts.values.map(\.value))
            json.raw(",\"types\":"); json.strings(facts.values.map(\.type))
            json.raw(",\"shared\":"); json.raw(call.shared ? "true" : "false")
            json.raw("}")
        }
        json.raw("]")
        return json.text
    }

    static func endAlone(_ call: EndCall, provider: UUID, database: Database, logger: Logger) async throws {
        _ = try await database.appStatement("SELECT cwmp_session_end_as(\(provider), \(call.device), \(call.token))", logger: logger)
    }

    static func endBatch(_ calls: [EndCall], provider: UUID, database: Database, logger: Logger) async throws {
        _ = try await database.appStatement("""
            SELECT cwmp_session_end_batch_as(\(provider), \(calls.map(\.device))::uuid[], \(calls.map(\.token))::text[])
            """, logger: logger)
    }
}

/// A JSON document written byte by byte (strings escaped as RFC 8259 requires).
struct JSONText {
    private var bytes: [UInt8] = []

    mutating func reserve(_ count: Int) { bytes.reserveCapacity(count) }

    mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func number(_ value: Double) { raw(value.isFinite ? "\(value)" : "null") }

    mutating func string(_ text: String?) {
        guard var text else { return raw("null") }
        bytes.append(UInt8(ascii: "\""))
        text.withUTF8 { utf8 in
            // Runs that need no escape are copied whole.
            var run = 0
            for (index, byte) in utf8.enumerated() where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
                run = index + 1
                if byte < 0x20 {
                    let digits: StaticString = "0123456789abcdef"
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              digits.utf8Start[Int(byte >> 4)], digits.utf8Start[Int(byte & 0xF)]])
                } else {
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func strings(_ texts: [String]) {
        raw("[")
        for (index, text) in texts.enumerated() {
            if index > 0 { raw(",") }
            string(text)
        }
        raw("]")
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// What an Inform tells about the device beyond its identity, as stored on registration.
struct InformFacts: Sendable {
    var software: String?
    var hardware: String?
    var requestURL: String?
    var managementIP: String?
    var remoteIP: String?
    var parameterKey: String?
    var bootstrap: Bool
    var events: [String]
    var commandKeys: [String]
    /// The Inform's parameter values worth caching: valid paths, the last of duplicates.
    var values: [ParameterValue]

    init(_ inform: Inform, remoteIP: String?) {
        software = inform.parameter(endingWith: "DeviceInfo.SoftwareVersion")
        hardware = inform.parameter(endingWith: "DeviceInfo.HardwareVersion")
        requestURL = inform.parameter(endingWith: "ManagementServer.ConnectionRequestURL").flatMap { $0.isEmpty ? nil : $0 }
        self.remoteIP = CWMPRepository.ipLiteral(remoteIP)
        managementIP = CWMPRepository.ipLiteral(inform.parameter(endingWith: "ExternalIPAddress")) ?? self.remoteIP
        parameterKey = inform.parameter(endingWith: "ManagementServer.ParameterKey")
        bootstrap = inform.has(InformEvent.bootstrap)
        events = inform.events.map(\.code)
        commandKeys = inform.events.map(\.commandKey)
        values = CWMPRepository.cacheable(inform.parameters)
    }
}
