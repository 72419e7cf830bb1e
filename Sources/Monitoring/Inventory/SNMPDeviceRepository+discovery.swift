import Foundation
import OctoCore
import PostgresNIO
import OctoStore

extension SNMPDeviceRepository {
    /// Creates or updates the device whose agent answered at `address:port` during a sweep of a POP's
    /// range: a new `devices` row (kind, vendor, model, management address from the identity) and its
    /// SNMP state, or the existing state's identity and credential. `echo` is the sweep's ICMP
    /// measurement of the address, if ICMP ran. Returns whether it was created.
    public func recordDiscovered(address: IPv4Address, port: Int, pop: UUID, credentialId: UUID, identity: DeviceIdentity,
                                 echo: ICMPPingResult? = nil, by actor: Actor) async throws -> Bool {
        let now = tx.clock.now
        // The echo is an observation written after the audited snapshot, like poll results.
        func recordEcho(_ device: UUID) async throws {
            guard let echo else { return }
            try await tx.query("""
                UPDATE snmp_devices SET icmp_rtt_ms = \(echo.avgMs), icmp_loss_percent = \(Float(echo.lossPercent)),
                    icmp_checked_at = \(now) WHERE device_id = \(device)
                """)
        }
        let existing = try await tx.query("""
            SELECT device_id FROM snmp_devices WHERE address = \(address.description)::inet AND port = \(Int32(port))
            """).monitoringFirst { try $0.column("device_id", as: UUID.self) }
        if let existing {
            let before = try await get(existing)
            try await tx.query("""
                UPDATE snmp_devices SET credential_id = \(credentialId), profile = \(identity.profile), vendor = \(identity.vendor),
                    os = \(identity.os), model = coalesce(\(identity.model), model), version = coalesce(\(identity.version), version),
                    serial = coalesce(\(identity.serial), serial), sys_object_id = \(identity.sysObjectID),
                    sys_descr = \(identity.sysDescr), discovered_at = \(now), updated_at = \(now)
                WHERE device_id = \(existing)
                """)
            let after = try await get(existing)
            if before != after {
                try await tx.audit("snmp_device.rediscover", by: actor, target: ("device", existing.lowercased), before: before, after: after)
            }
            try await recordEcho(existing)
            return false
        }
        let device = try await tx.devices.create(DeviceInput(
            name: address.description, kind: Device.Kind(rawValue: identity.kind) ?? .other, popId: .value(pop),
            vendor: identity.vendor, model: identity.model, serialNumber: identity.serial, firmware: identity.version,
            managementIp: address.description), by: actor)
        try await tx.query("""
            INSERT INTO snmp_devices (provider_id, device_id, address, port, credential_id, profile, vendor, os, model, version,
                                      serial, sys_object_id, sys_descr, discovered_at, created_at, updated_at)
            VALUES (\(tx.providerID), \(device.id), \(address.description)::inet, \(Int32(port)), \(credentialId),
                    \(identity.profile), \(identity.vendor), \(identity.os), \(identity.model), \(identity.version),
                    \(identity.serial), \(identity.sysObjectID), \(identity.sysDescr), \(now), \(now), \(now))
            """)
        let created = try await get(device.id)
        try await recordEcho(device.id)
        try await tx.audit("snmp_device.discover", by: actor, target: ("device", device.id.lowercased), before: SNMPDevice?.none, after: created)
        return true
    }
}
