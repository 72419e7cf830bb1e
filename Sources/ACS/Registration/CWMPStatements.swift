import CWMP
import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

/// The two steps of a steady-state session as one statement each, in a transaction of its own that
/// binds itself to the provider before anything else (the functions of migration 0007, which run
/// under row-level security): the Inform of a device already registered, and the end of a session.
/// One round trip each instead of a tenant transaction of several statements.
struct CWMPStatements: Sendable {
    let database: Database
    let logger: Logger

    /// What ``inform(_:identity:version:remoteIP:provider:boundDevice:leaseToken:leaseSeconds:)`` did.
    enum InformOutcome: Sendable, Hashable {
        /// The device is not registered: nothing was written; register it in a tenant transaction.
        case unknown
        /// Another session holds the device's lease: nothing was written.
        case busy
        /// The credential is bound to another device: nothing was written.
        case boundElsewhere
        /// The lease is taken and the Inform stored.
        case registered(Registration)
    }

    /// Takes the lease of the registered device `identity` names and stores the Inform, as
    /// ``CWMPRepository/register(_:identity:version:remoteIP:leaseToken:leaseSeconds:)`` does for a
    /// device that exists; writes nothing unless the lease is taken.
    func inform(_ inform: Inform, identity: DeviceIdentity, version: CWMPVersion, remoteIP: String?, provider: UUID,
                boundDevice: UUID?, leaseToken: String, leaseSeconds: TimeInterval) async throws -> InformOutcome {
        let now = database.clock.now
        let facts = InformFacts(inform, remoteIP: remoteIP)
        let rows = try await database.appStatement("""
            SELECT outcome, device_id, discovered, queued FROM cwmp_inform_as(
                \(provider), \(identity.oui), \(identity.serialNumber), \(identity.manufacturer), \(identity.productClass),
                \(facts.software), \(facts.hardware), \(facts.managementIP)::inet, \(boundDevice), \(leaseToken), \(now),
                \(now.addingTimeInterval(leaseSeconds)), \(facts.bootstrap), \(inform.root), \(version.namespace), \(facts.requestURL),
                \(facts.remoteIP)::inet, \(facts.parameterKey), \(facts.events)::text[], \(facts.commandKeys)::text[],
                \(inform.retryCount)::int4, \(facts.values.map(\.name))::text[], \(facts.values.map(\.value))::text[],
                \(facts.values.map(\.type))::text[])
            """, logger: logger)
        guard let row = rows.first?.makeRandomAccess() else { throw ACSError(.badRequest, "device could not be registered") }
        switch try row.acsColumn("outcome", as: String.self) {
        case "unknown":
            return .unknown
        case "busy":
            return .busy
        case "bound":
            return .boundElsewhere
        default:
            return .registered(Registration(deviceID: try row.acsColumn("device_id"), created: false,
                                            needsDiscovery: !(try row.acsColumn("discovered", as: Bool.self)),
                                            hasQueuedTasks: try row.acsColumn("queued")))
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
