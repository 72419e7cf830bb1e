import CWMP
import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// CWMP state of the provider's devices: registration, the parameter cache and session leases.
    public var cwmp: CWMPRepository { CWMPRepository(tx: self) }
}

/// The outcome of registering an Inform.
public struct Registration: Sendable, Hashable {
    /// The device.
    public var deviceID: UUID
    /// Whether this Inform created it.
    public var created: Bool
    /// Whether the parameter tree must be (re)discovered in this session.
    public var needsDiscovery: Bool
    /// Whether device tasks were waiting when the session opened.
    public var hasQueuedTasks: Bool
}

/// CWMP persistence of the transaction's provider.
public struct CWMPRepository: Sendable {
    let tx: Transaction

    /// Creates or updates the device an Inform names, takes its session lease, stores the Inform's
    /// parameters and events. Throws ``ACSError/Code/busy`` (and the transaction rolls back, so nothing
    /// is written) when another session holds the device.
    public func register(_ inform: Inform, identity: DeviceIdentity, version: CWMPVersion, remoteIP: String?,
                         leaseToken: String, leaseSeconds: TimeInterval) async throws -> Registration {
        let now = tx.clock.now
        let software = inform.parameter(endingWith: "DeviceInfo.SoftwareVersion")
        let hardware = inform.parameter(endingWith: "DeviceInfo.HardwareVersion")
        let requestURL = inform.parameter(endingWith: "ManagementServer.ConnectionRequestURL").flatMap { $0.isEmpty ? nil : $0 }
        let managementIP = Self.ipLiteral(inform.parameter(endingWith: "ExternalIPAddress")) ?? Self.ipLiteral(remoteIP)
        let name = String("\(identity.productClass.isEmpty ? identity.manufacturer : identity.productClass) \(identity.serialNumber)".prefix(200))
        let row = try await tx.query("""
            INSERT INTO devices (provider_id, name, kind, vendor, model, serial_number, oui, product_class, firmware,
                                 hardware_version, management_ip, status, last_seen_at)
            VALUES (\(tx.providerID), \(name), 'cpe', \(identity.manufacturer), \(identity.productClass), \(identity.serialNumber),
                    \(identity.oui), \(identity.productClass), \(software), \(hardware), \(managementIP)::inet, 'pending', \(now))
            ON CONFLICT (provider_id, oui, serial_number) WHERE oui IS NOT NULL AND serial_number IS NOT NULL
            DO UPDATE SET vendor = EXCLUDED.vendor, product_class = EXCLUDED.product_class,
                firmware = coalesce(EXCLUDED.firmware, devices.firmware),
                hardware_version = coalesce(EXCLUDED.hardware_version, devices.hardware_version),
                management_ip = coalesce(EXCLUDED.management_ip, devices.management_ip), last_seen_at = EXCLUDED.last_seen_at
            RETURNING id, (xmax = 0) AS created
            """).acsFirst { (try $0.acsColumn("id", as: UUID.self), try $0.acsColumn("created", as: Bool.self)) }
        guard let (deviceID, created) = row else { throw ACSError(.badRequest, "device could not be registered") }
        guard try await acquireLease(deviceID, token: leaseToken, seconds: leaseSeconds) else {
            throw ACSError(.busy, "device \(deviceID.lowercased) is in a session elsewhere")
        }
        let bootstrap = inform.has(InformEvent.bootstrap)
        if bootstrap && !created {
            // Factory-fresh: forget the cached tree and start over.
            try await tx.query("DELETE FROM device_parameters WHERE device_id = \(deviceID)")
        }
        let events = inform.events.map(\.code)
        let parameterKey = inform.parameter(endingWith: "ManagementServer.ParameterKey")
        let discoveredAt = try await tx.query("""
            INSERT INTO cwmp_devices (provider_id, device_id, root, cwmp_version, connection_request_url, external_ip,
                                      parameter_key, last_inform_at, last_events, informs)
            VALUES (\(tx.providerID), \(deviceID), \(inform.root), \(version.namespace), \(requestURL), \(Self.ipLiteral(remoteIP))::inet,
                    \(parameterKey), \(now), \(events), 1)
            ON CONFLICT (provider_id, device_id) DO UPDATE SET root = EXCLUDED.root, cwmp_version = EXCLUDED.cwmp_version,
                connection_request_url = coalesce(EXCLUDED.connection_request_url, cwmp_devices.connection_request_url),
                external_ip = coalesce(EXCLUDED.external_ip, cwmp_devices.external_ip),
                parameter_key = coalesce(EXCLUDED.parameter_key, cwmp_devices.parameter_key),
                last_inform_at = EXCLUDED.last_inform_at, last_events = EXCLUDED.last_events, informs = cwmp_devices.informs + 1,
                discovered_at = CASE WHEN \(bootstrap) THEN NULL ELSE cwmp_devices.discovered_at END
            RETURNING discovered_at
            """).acsFirst { try $0.acsColumn("discovered_at", as: Date?.self) } ?? nil
        try await storeValues(inform.parameters, device: deviceID)
        try await tx.query("""
            INSERT INTO cwmp_informs (provider_id, device_id, at, events, command_keys, retry_count, remote_ip)
            VALUES (\(tx.providerID), \(deviceID), \(now), \(events), \(inform.events.map(\.commandKey)), \(inform.retryCount),
                    \(Self.ipLiteral(remoteIP))::inet)
            """)
        if created {
            let actor = Actor(type: .device, id: deviceID, label: "\(identity.oui)-\(identity.serialNumber)", ip: remoteIP)
            try await tx.audit("device.register", by: actor, target: ("device", deviceID.lowercased), details: .object([
                "oui": .string(identity.oui), "serialNumber": .string(identity.serialNumber),
                "productClass": .string(identity.productClass), "manufacturer": .string(identity.manufacturer),
                "events": .array(events.map(JSONValue.string)),
            ]))
            try await tx.publish(topic: "devices", data: .object(["event": .string("registered"), "id": .string(deviceID.lowercased)]))
        }
        let queued = created ? false : try await tx.query("""
            SELECT EXISTS (SELECT 1 FROM acs_tasks WHERE device_id = \(deviceID) AND status = 'queued') AS queued
            """).acsFirst { try $0.acsColumn("queued", as: Bool.self) } ?? false
        return Registration(deviceID: deviceID, created: created, needsDiscovery: discoveredAt == nil, hasQueuedTasks: queued)
    }

    /// Stores discovered names with their writable flags (objects end with a dot).
    public func storeNames(_ names: [ParameterInfo], device: UUID) async throws {
        var seen = Set<String>()
        let unique = names.filter { InformValidation.isParameterPath($0.name) && seen.insert($0.name).inserted }
        guard !unique.isEmpty else { return }
        try await tx.query("""
            INSERT INTO device_parameters (provider_id, device_id, path, writable, is_object, updated_at)
            SELECT \(tx.providerID), \(device), t.path, t.writable, t.is_object, \(tx.clock.now)
            FROM unnest(\(unique.map(\.name))::text[], \(unique.map(\.writable))::boolean[], \(unique.map(\.isObject))::boolean[])
                 AS t(path, writable, is_object)
            ON CONFLICT (provider_id, device_id, path) DO UPDATE SET writable = EXCLUDED.writable, is_object = EXCLUDED.is_object
            """)
    }

    /// Stores values; a value that differs from a cached one is recorded in the change history. Secret
    /// values (``SecretParameters``) are stored as their marker: masked, with a keyed digest when `secrets` is given.
    public func storeValues(_ values: [ParameterValue], device: UUID, secrets: SecretBox? = nil) async throws {
        let unique = SecretParameters.storable(Self.cacheable(values), device: device, provider: tx.providerID, secrets: secrets)
        guard !unique.isEmpty else { return }
        let now = tx.clock.now
        try await tx.query("""
            WITH incoming AS (
                SELECT * FROM unnest(\(unique.map(\.name))::text[], \(unique.map(\.value))::text[], \(unique.map(\.type))::text[])
                    AS t(path, value, type)
            ), history AS (
                INSERT INTO device_parameter_changes (provider_id, device_id, path, old_value, new_value, changed_at)
                SELECT \(tx.providerID), \(device), i.path, p.value, i.value, \(now)
                FROM incoming i JOIN device_parameters p
                  ON p.provider_id = \(tx.providerID) AND p.device_id = \(device) AND p.path = i.path
                WHERE p.value IS NOT NULL AND p.value IS DISTINCT FROM i.value
            )
            INSERT INTO device_parameters (provider_id, device_id, path, value, type, updated_at)
            SELECT \(tx.providerID), \(device), i.path, i.value, i.type, \(now) FROM incoming i
            ON CONFLICT (provider_id, device_id, path) DO UPDATE SET value = EXCLUDED.value, type = EXCLUDED.type,
                updated_at = EXCLUDED.updated_at
            WHERE device_parameters.value IS DISTINCT FROM EXCLUDED.value OR device_parameters.type IS DISTINCT FROM EXCLUDED.type
            """)
    }

    /// The values worth caching: valid paths only, the last of duplicates, in their order.
    static func cacheable(_ values: [ParameterValue]) -> [ParameterValue] {
        var seen = Set<String>(minimumCapacity: values.count)
        var kept: [ParameterValue] = []
        kept.reserveCapacity(values.count)
        for value in values.reversed() where InformValidation.isParameterPath(value.name) && seen.insert(value.name).inserted {
            kept.append(value)
        }
        kept.reverse()
        return kept
    }

    /// Marks the parameter tree as discovered.
    public func markDiscovered(_ device: UUID) async throws {
        try await tx.query("UPDATE cwmp_devices SET discovered_at = \(tx.clock.now) WHERE device_id = \(device)")
    }

    /// Takes the device's session lease unless a live one is held by another token.
    public func acquireLease(_ device: UUID, token: String, seconds: TimeInterval) async throws -> Bool {
        let now = tx.clock.now
        return try await tx.query("""
            INSERT INTO cwmp_sessions (provider_id, device_id, token, started_at, expires_at)
            VALUES (\(tx.providerID), \(device), \(token), \(now), \(now.addingTimeInterval(seconds)))
            ON CONFLICT (provider_id, device_id) DO UPDATE SET token = EXCLUDED.token, started_at = EXCLUDED.started_at,
                expires_at = EXCLUDED.expires_at
            WHERE cwmp_sessions.expires_at < EXCLUDED.started_at OR cwmp_sessions.token = EXCLUDED.token
            RETURNING token
            """).acsFirst { _ in true } ?? false
    }

    /// Extends the lease `token` holds; `false` when it was lost or given up.
    public func renewLease(_ device: UUID, token: String, seconds: TimeInterval) async throws -> Bool {
        try await tx.query("""
            UPDATE cwmp_sessions SET expires_at = \(tx.clock.now.addingTimeInterval(seconds))
            WHERE device_id = \(device) AND token = \(token) AND expires_at > '-infinity' RETURNING token
            """).acsFirst { _ in true } ?? false
    }

    /// Gives the lease up. The row stays, marked released, for the device's next session to take over
    /// (an update in place instead of an insert and a delete per session).
    public func releaseLease(_ device: UUID, token: String) async throws {
        try await tx.query("UPDATE cwmp_sessions SET expires_at = '-infinity' WHERE device_id = \(device) AND token = \(token)")
    }

    /// The cached parameters of a device, by path.
    public func parameters(of device: UUID) async throws -> [String: CachedParameter] {
        let rows = try await tx.query("""
            SELECT path, value, type, writable, is_object FROM device_parameters WHERE device_id = \(device)
            """).acsRows { row in
                CachedParameter(path: try row.acsColumn("path"), value: try row.acsColumn("value"), type: try row.acsColumn("type"),
                                writable: try row.acsColumn("writable"), isObject: try row.acsColumn("is_object"))
            }
        return Dictionary(rows.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `text` if it is an IPv4 or IPv6 literal (a URL's host is extracted).
    static func ipLiteral(_ text: String?) -> String? {
        guard var host = text?.trimmed, !host.isEmpty else { return nil }
        // On UTF-8 bytes: every delimiter is ASCII.
        let utf8 = host.utf8
        if let scheme = utf8.indices.first(where: { utf8[$0...].starts(with: "://".utf8) }) {
            var authority = utf8[utf8.index(scheme, offsetBy: 3)...].prefix { $0 != UInt8(ascii: "/") }
            if authority.first == UInt8(ascii: "[") {
                authority = authority.dropFirst().prefix { $0 != UInt8(ascii: "]") }
            } else if authority.count(where: { $0 == UInt8(ascii: ":") }) == 1 {
                authority = authority.prefix { $0 != UInt8(ascii: ":") }
            }
            host = String(decoding: authority, as: UTF8.self)
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 { return host }
        return nil
    }
}

/// One cached parameter.
public struct CachedParameter: Sendable, Hashable {
    /// Full path (objects end with a dot).
    public var path: String
    /// Last known value.
    public var value: String?
    /// Its xsd type.
    public var type: String?
    /// Whether the CPE allows writing it.
    public var writable: Bool?
    /// Whether it is an object.
    public var isObject: Bool
}

extension CWMPRepository {
    /// Forgets cached paths under `prefix` that a refresh did not return (deleted on the device).
    public func forget(under prefix: String, except names: [String], device: UUID) async throws {
        try await tx.query("""
            DELETE FROM device_parameters WHERE device_id = \(device)
              AND starts_with(path, \(prefix)) AND NOT (path = ANY(\(names)::text[]))
            """)
    }

    /// Forgets an object and everything below it.
    public func forgetSubtree(_ prefix: String, device: UUID) async throws {
        guard !prefix.isEmpty else { return }
        try await tx.query("DELETE FROM device_parameters WHERE device_id = \(device) AND starts_with(path, \(prefix))")
    }
}
