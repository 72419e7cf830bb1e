import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's SNMP devices.
    public var snmpDevices: SNMPDeviceRepository { SNMPDeviceRepository(tx: self) }
}

/// SNMP state of the transaction's provider's devices: settings, identity, reachability, interfaces.
public struct SNMPDeviceRepository: Sendable {
    let tx: Transaction

    static let select = """
        SELECT s.device_id, d.pop_id, d.name, host(s.address) AS address, s.port, s.credential_id, s.enabled,
               s.intervals::text AS intervals, s.collected_at::text AS collected_at, s.series::text AS series,
               s.profile, s.vendor, s.os, s.model, s.version, s.serial, s.sys_object_id, s.sys_descr, s.sys_name,
               s.sys_location, s.sys_contact, s.uptime_ticks, s.reachability, s.reachability_since, s.last_poll_at,
               s.last_poll_ms, s.last_poll_varbinds, s.last_error, s.consecutive_failures, s.polls, s.failures,
               s.timeouts, s.discovered_at, s.icmp_rtt_ms, s.icmp_loss_percent, s.icmp_checked_at, s.interfaces_digest
        FROM snmp_devices s JOIN devices d ON d.id = s.device_id
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> SNMPDevice {
        let overrides = JSONText.decode(try row.column("intervals", as: String.self), as: [String: Int].self, default: [:])
        let collected = JSONText.decode(try row.column("collected_at", as: String.self), as: [String: Int64].self, default: [:])
        return SNMPDevice(
            deviceId: try row.column("device_id"), popId: try row.column("pop_id"), name: try row.column("name"),
            address: try row.column("address"), port: Int(try row.column("port", as: Int32.self)),
            credentialId: try row.column("credential_id"), enabled: try row.column("enabled"),
            intervals: PollIntervals(stored: overrides).effective, intervalOverrides: overrides,
            collectedAt: collected.mapValues { Date(timeIntervalSince1970: TimeInterval($0)) },
            profile: try row.column("profile"), vendor: try row.column("vendor"), os: try row.column("os"),
            model: try row.column("model"), version: try row.column("version"), serial: try row.column("serial"),
            sysObjectId: try row.column("sys_object_id"), sysDescr: try row.column("sys_descr"),
            sysName: try row.column("sys_name"), sysLocation: try row.column("sys_location"),
            sysContact: try row.column("sys_contact"), uptimeTicks: try row.column("uptime_ticks"),
            reachability: try row.column("reachability"), reachabilitySince: try row.column("reachability_since"),
            lastPollAt: try row.column("last_poll_at"), lastPollMs: try row.column("last_poll_ms", as: Int32?.self).map(Int.init),
            lastPollVarbinds: try row.column("last_poll_varbinds", as: Int32?.self).map(Int.init),
            lastError: try row.column("last_error"),
            consecutiveFailures: Int(try row.column("consecutive_failures", as: Int32.self)),
            polls: try row.column("polls"), failures: try row.column("failures"), timeouts: try row.column("timeouts"),
            series: JSONText.decode(try row.column("series", as: String.self), as: [String: Int64].self, default: [:]),
            discoveredAt: try row.column("discovered_at"), icmpRttMs: try row.column("icmp_rtt_ms"),
            icmpLossPercent: try row.column("icmp_loss_percent", as: Float?.self).map(Double.init),
            icmpCheckedAt: try row.column("icmp_checked_at"))
    }

    /// The device's SNMP state, or `notFound` (also for a device without one, or another provider's).
    public func get(_ device: UUID) async throws -> SNMPDevice {
        guard let found = try await tx.query("\(unescaped: Self.select) WHERE s.device_id = \(device)").monitoringFirst(Self.decode) else {
            throw OctoError.notFound("SNMP device")
        }
        return found
    }

    /// The SNMP devices, optionally of one POP, by name.
    public func list(pop: UUID? = nil, limit: Int = 500, offset: Int = 0) async throws -> [SNMPDevice] {
        try await tx.query("""
            \(unescaped: Self.select) WHERE (\(pop)::uuid IS NULL OR d.pop_id = \(pop))
            ORDER BY d.name, s.device_id LIMIT \(limit) OFFSET \(offset)
            """).monitoringRows(Self.decode)
    }

    /// How many SNMP devices ``list(pop:limit:offset:)`` pages through.
    public func count(pop: UUID? = nil) async throws -> Int {
        let rows = try await tx.query("""
            SELECT count(*)::int8 AS n FROM snmp_devices s JOIN devices d ON d.id = s.device_id
            WHERE (\(pop)::uuid IS NULL OR d.pop_id = \(pop))
            """).monitoringRows { try $0.column("n", as: Int64.self) }
        return Int(rows.first ?? 0)
    }

    /// Adds a device by hand: a `devices` row under the POP and its SNMP state, both audited. Polls
    /// identify it at the first cycle.
    public func create(_ input: SNMPDeviceInput, by actor: Actor) async throws -> SNMPDevice {
        guard let address = input.address, let ip = IPv4Address(address) else {
            throw OctoError.invalid("address", "address must be an IPv4 address")
        }
        guard let pop = input.popId else { throw OctoError.invalid("pop_id", "pop_id is required") }
        _ = try await tx.pops.get(pop)
        let port = input.port ?? 161
        guard (1...65_535).contains(port) else { throw OctoError.invalid("port", "port must be within 1…65535") }
        let intervals = try PollIntervals.validate(input.intervals ?? [:])
        if let credential = input.credentialId { _ = try await tx.snmpCredentials.get(credential) }
        let name = input.name?.trimmingCharacters(in: .whitespaces).isEmpty == false ? input.name! : ip.description
        if try await tx.query("SELECT 1 FROM snmp_devices WHERE address = \(ip.description)::inet AND port = \(Int32(port))")
            .monitoringFirst({ _ in true }) != nil {
            throw OctoError(.conflict, "an SNMP device with this address and port exists", field: "address")
        }
        let device = try await tx.devices.create(DeviceInput(name: name, kind: .other, popId: .value(pop),
                                                             managementIp: ip.description), by: actor)
        let now = tx.clock.now
        try await tx.query("""
            INSERT INTO snmp_devices (provider_id, device_id, address, port, credential_id, intervals, created_at, updated_at)
            VALUES (\(tx.providerID), \(device.id), \(ip.description)::inet, \(Int32(port)), \(input.credentialId),
                    \(try JSONText.encode(intervals.stored))::jsonb, \(now), \(now))
            """)
        let created = try await get(device.id)
        try await tx.audit("snmp_device.create", by: actor, target: ("device", device.id.lowercased), before: SNMPDevice?.none, after: created)
        return created
    }

    /// Changes whether and how often a device is polled, its credential or port; audited.
    public func update(_ device: UUID, _ settings: SNMPDeviceSettings, by actor: Actor) async throws -> SNMPDevice {
        let before = try await get(device)
        let intervals = try settings.intervals.map { try JSONText.encode(PollIntervals.validate($0).stored) }
        if let port = settings.port, !(1...65_535).contains(port) { throw OctoError.invalid("port", "port must be within 1…65535") }
        if let credential = settings.credentialId { _ = try await tx.snmpCredentials.get(credential) }
        try await tx.query("""
            UPDATE snmp_devices SET enabled = coalesce(\(settings.enabled), enabled),
                intervals = coalesce(\(intervals)::jsonb, intervals),
                credential_id = coalesce(\(settings.credentialId), credential_id),
                port = coalesce(\(settings.port.map(Int32.init)), port), updated_at = \(tx.clock.now)
            WHERE device_id = \(device)
            """)
        let after = try await get(device)
        try await tx.audit("snmp_device.update", by: actor, target: ("device", device.lowercased), before: before, after: after)
        return after
    }

    /// The device's interfaces by ifIndex; `notFound` when the device has no SNMP state.
    public func interfaces(_ device: UUID) async throws -> [SNMPInterface] {
        _ = try await get(device)
        return try await tx.query("""
            SELECT * FROM snmp_interfaces WHERE device_id = \(device) ORDER BY if_index
            """).monitoringRows { row in
                let oper = try row.column("oper_status", as: Int32?.self).map(Int.init)
                return SNMPInterface(
                    ifIndex: Int(try row.column("if_index", as: Int32.self)), name: try row.column("name"),
                    descr: try row.column("descr"), alias: try row.column("alias"),
                    type: try row.column("type", as: Int32?.self).map(Int.init), mac: try row.column("mac"),
                    mtu: try row.column("mtu", as: Int32?.self).map(Int.init), speedBps: try row.column("speed_bps"),
                    adminUp: try row.column("admin_up"), operStatus: oper, status: SNMPInterface.statusName(oper),
                    lastChangeAt: try row.column("last_change_at"),
                    counterBits: Int(try row.column("counter_bits", as: Int16.self)),
                    inSeriesId: try row.column("in_series_id"), outSeriesId: try row.column("out_series_id"),
                    inErrorsSeriesId: try row.column("in_errors_series_id"),
                    outErrorsSeriesId: try row.column("out_errors_series_id"),
                    updatedAt: try row.column("updated_at"))
            }
    }
}
