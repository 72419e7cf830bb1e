import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// A provider's limits on devices the ACS registers on its own, from a first Inform with a valid
/// credential. Absent values mean no limit.
public struct RegistrationPolicy: Codable, Sendable, Hashable {
    /// Devices registered by Inform at most; beyond it a new device is refused (403) and not stored.
    public var maxDevices: Int?
    /// New devices per minute at most; beyond it a new device is told to retry (503, Retry-After).
    public var perMinute: Int?
    /// Whether new devices wait for an operator's approval (their Informs are stored; no RPC, credential
    /// or task reaches them until approved).
    public var requireApproval: Bool?

    /// Creates a policy.
    public init(maxDevices: Int? = nil, perMinute: Int? = nil, requireApproval: Bool? = nil) {
        self.maxDevices = maxDevices
        self.perMinute = perMinute
        self.requireApproval = requireApproval
    }
}

extension Transaction {
    /// The provider's auto-registration policy.
    public var registrationPolicy: RegistrationPolicyRepository { RegistrationPolicyRepository(tx: self) }
}

/// The auto-registration policy of the transaction's provider.
public struct RegistrationPolicyRepository: Sendable {
    let tx: Transaction

    func tenant() throws -> UUID {
        guard let provider = tx.providerID else { throw OctoError(.internal, "the registration policy needs a tenant transaction") }
        return provider
    }

    /// The policy (no limits when none was set).
    public func get() async throws -> RegistrationPolicy {
        try await tx.query("SELECT max_devices, per_minute, require_approval FROM cwmp_registration_policies").acsFirst { row in
            RegistrationPolicy(maxDevices: try row.acsColumn("max_devices", as: Int32?.self).map(Int.init),
                               perMinute: try row.acsColumn("per_minute", as: Int32?.self).map(Int.init),
                               requireApproval: try row.acsColumn("require_approval", as: Bool.self))
        } ?? RegistrationPolicy(requireApproval: false)
    }

    /// Replaces the policy (absent fields: no limit, no approval) and audits the change.
    public func set(_ policy: RegistrationPolicy, by actor: Actor) async throws -> RegistrationPolicy {
        if let value = policy.maxDevices, !(0...10_000_000).contains(value) { throw OctoError.invalid("max_devices", "0–10000000 or null") }
        if let value = policy.perMinute, !(0...1_000_000).contains(value) { throw OctoError.invalid("per_minute", "0–1000000 or null") }
        let before = try await get()
        try await tx.query("""
            INSERT INTO cwmp_registration_policies (provider_id, max_devices, per_minute, require_approval, updated_at)
            VALUES (\(tx.providerID), \(policy.maxDevices.map(Int32.init))::int4, \(policy.perMinute.map(Int32.init))::int4,
                    \(policy.requireApproval ?? false), \(tx.clock.now))
            ON CONFLICT (provider_id) DO UPDATE SET max_devices = EXCLUDED.max_devices, per_minute = EXCLUDED.per_minute,
                require_approval = EXCLUDED.require_approval, updated_at = EXCLUDED.updated_at
            """)
        let after = try await get()
        try await tx.audit("cwmp_registration_policy.update", by: actor, target: ("provider", try tenant().lowercased), before: before, after: after)
        return after
    }

    /// Checks that one more device may register now: serializes new registrations of the provider for
    /// the rest of the transaction (so parallel first Informs cannot pass the cap together), then
    /// throws ``ACSError/Code/refused`` beyond the cap and ``ACSError/Code/busy`` beyond the rate.
    /// A device `oui`/`serial` that exists already passes.
    func admitNewDevice(oui: String, serial: String) async throws {
        let policy = try await get()
        guard policy.maxDevices != nil || policy.perMinute != nil else { return }
        let key = "cwmp_registration:" + (try tenant().lowercased)
        try await tx.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))")
        let exists = try await tx.query("SELECT EXISTS (SELECT 1 FROM devices WHERE oui = \(oui) AND serial_number = \(serial)) AS e")
            .acsFirst { try $0.acsColumn("e", as: Bool.self) } ?? false
        if exists { return }
        if let cap = policy.maxDevices {
            let registered = try await tx.query("SELECT count(*)::int8 AS n FROM cwmp_devices").acsFirst { try $0.acsColumn("n", as: Int64.self) } ?? 0
            if registered >= cap { throw ACSError(.refused, "auto-registration cap of \(cap) devices reached") }
        }
        if let rate = policy.perMinute {
            let recent = try await tx.query("""
                SELECT count(*)::int8 AS n FROM cwmp_devices c JOIN devices d ON d.provider_id = c.provider_id AND d.id = c.device_id
                WHERE d.created_at > now() - interval '1 minute'
                """).acsFirst { try $0.acsColumn("n", as: Int64.self) } ?? 0
            if recent >= rate { throw ACSError(.busy, "auto-registration rate of \(rate) devices per minute reached") }
        }
    }
}

/// A device registered while its provider required approval, waiting for an operator.
public struct PendingDevice: Codable, Sendable, Hashable {
    /// The device.
    public var id: UUID
    /// OUI of its Inform.
    public var oui: String?
    /// Serial number of its Inform.
    public var serialNumber: String?
    /// Product class of its Inform.
    public var productClass: String?
    /// Address its last Inform came from.
    public var externalIp: String?
    /// Its last Inform.
    public var lastInformAt: Date
    /// Registration time.
    public var createdAt: Date
}

extension RegistrationPolicyRepository {
    /// Devices waiting for approval, oldest first.
    public func pending(page: PageRequest) async throws -> Page<PendingDevice> {
        let items = try await tx.query("""
            SELECT d.id, d.oui, d.serial_number, d.product_class, host(c.external_ip) AS external_ip, c.last_inform_at, d.created_at
            FROM cwmp_devices c JOIN devices d ON d.provider_id = c.provider_id AND d.id = c.device_id
            WHERE NOT c.approved ORDER BY d.created_at, d.id LIMIT \(page.limit) OFFSET \(page.offset)
            """).acsRows { row in
                PendingDevice(id: try row.acsColumn("id"), oui: try row.acsColumn("oui"), serialNumber: try row.acsColumn("serial_number"),
                              productClass: try row.acsColumn("product_class"), externalIp: try row.acsColumn("external_ip"),
                              lastInformAt: try row.acsColumn("last_inform_at"), createdAt: try row.acsColumn("created_at"))
            }
        let total = try await tx.query("SELECT count(*)::int8 AS n FROM cwmp_devices WHERE NOT approved").acsFirst { try $0.acsColumn("n", as: Int64.self) } ?? 0
        return Page(items: items, total: Int(total), limit: page.limit, offset: page.offset)
    }

    /// Approves a waiting device (its next session discovers it and gives it its credential) and audits
    /// it; ``OctoError/Code/notFound`` when the device is not waiting.
    public func approve(_ device: UUID, by actor: Actor) async throws {
        guard try await tx.query("UPDATE cwmp_devices SET approved = true WHERE device_id = \(device) AND NOT approved RETURNING device_id")
            .acsFirst({ _ in true }) ?? false else {
            throw OctoError.notFound("pending device")
        }
        try await tx.audit("device.approve", by: actor, target: ("device", device.lowercased))
    }

    /// Marks a device just registered as waiting for approval.
    func holdForApproval(_ device: UUID) async throws {
        try await tx.query("UPDATE cwmp_devices SET approved = false WHERE device_id = \(device)")
    }
}
