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

    /// Takes the lease of the registered device `identity` names and stores the Inform, as
    /// ``CWMPRepository/register(_:identity:version:remoteIP:leaseToken:leaseSeconds:)`` does for a
    /// device that exists; writes nothing unless the lease is taken. With `shared` (the CPE signed in
    /// with the provider-wide credential) the same statement first refuses a device that has an active
    /// credential of its own and says whether the device is held for approval.
    func inform(_ inform: Inform, identity: DeviceIdentity, version: CWMPVersion, remoteIP: String?, provider: UUID,
                boundDevice: UUID?, shared: Bool, leaseToken: String, leaseSeconds: TimeInterval) async throws -> InformResult {
        let now = database.clock.now
        let facts = InformFacts(inform, remoteIP: remoteIP)
        let rows = try await database.appStatement("""
            SELECT outcome, device_id, discovered, queued, held FROM cwmp_session_open_as(
                \(provider), \(identity.oui), \(identity.serialNumber), \(identity.manufacturer), \(identity.productClass),
                \(facts.software), \(facts.hardware), \(facts.managementIP)::inet, \(boundDevice), \(leaseToken), \(now),
                \(now.addingTimeInterval(leaseSeconds)), \(facts.bootstrap), \(inform.root), \(version.namespace), \(facts.requestURL),
                \(facts.remoteIP)::inet, \(facts.parameterKey), \(facts.events)::text[], \(facts.commandKeys)::text[],
                \(inform.retryCount)::int4, \(facts.values.map(\.name))::text[], \(facts.values.map(\.value))::text[],
                \(facts.values.map(\.type))::text[], \(shared))
            """, logger: logger)
        guard let row = rows.first?.makeRandomAccess() else { throw ACSError(.badRequest, "device could not be registered") }
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

    /// Gives the session lease `token` holds up.
    func endSession(provider: UUID, device: UUID, token: String) async throws {
        _ = try await database.appStatement("SELECT cwmp_session_end_as(\(provider), \(device), \(token))", logger: logger)
    }
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
