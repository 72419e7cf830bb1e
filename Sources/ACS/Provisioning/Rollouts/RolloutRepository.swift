import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's bulk rollouts.
    public var rollouts: RolloutRepository { RolloutRepository(tx: self) }
}

/// Bulk rollouts and their per-device results, under RLS. Creation and cancellation are audited.
public struct RolloutRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, name, target::text AS target, action::text AS action, wave_size, pause_seconds, failure_threshold, status, wave, total,
        next_wave_at, stop_reason, created_by, created_at, updated_at, finished_at
        """

    /// Validates `input`, selects the target devices (TR-069 devices with a finished discovery, in
    /// registration order) and stores the rollout; 400 naming the field otherwise, nothing stored.
    /// The action is stored masked (``DeviceAction/masked``); an action holding a secret (a Wi-Fi key)
    /// is also stored whole, sealed with `secrets`, and refused (400 `action.key`) without them.
    public func create(_ input: RolloutInput, secrets: SecretBox?, by actor: Actor) async throws -> Rollout {
        guard (1...200).contains(input.name.count) else { throw OctoError.invalid("name", "name is required (1–200 characters)") }
        let waveSize = input.waveSize ?? 50
        guard (1...10_000).contains(waveSize) else { throw OctoError.invalid("wave_size", "wave_size must be 1–10000") }
        let pause = input.pauseSeconds ?? 0
        guard (0...86_400).contains(pause) else { throw OctoError.invalid("pause_seconds", "pause_seconds must be 0–86400") }
        let threshold = input.failureThreshold ?? 0.1
        guard (0...1).contains(threshold) else { throw OctoError.invalid("failure_threshold", "failure_threshold must be between 0 and 1") }
        do throws(ProvisioningError) { _ = try input.action.wifiSettings() } catch {
            var error = error
            error.field = "action." + error.field
            throw error.octoError
        }
        if input.action.holdsSecret && secrets == nil {
            throw OctoError.invalid("action.key", "keys need a secret key (OCTOISP_SECRET_KEY) to be stored sealed")
        }
        let target = input.target
        let devices = try await tx.query("""
            SELECT d.id, d.vendor, d.product_class, d.firmware FROM devices d
            JOIN cwmp_devices c ON c.provider_id = d.provider_id AND c.device_id = d.id AND c.discovered_at IS NOT NULL
            WHERE (\(target.customerId)::uuid IS NULL OR d.customer_id = \(target.customerId))
              AND (\(target.popId)::uuid IS NULL OR d.pop_id = \(target.popId))
              AND (\(target.deviceIds)::uuid[] IS NULL OR d.id = ANY(\(target.deviceIds)))
            ORDER BY d.created_at, d.id
            """).acsRows { row in
                (try row.acsColumn("id", as: UUID.self), try row.acsColumn("vendor", as: String?.self) ?? "",
                 try row.acsColumn("product_class", as: String?.self) ?? "", try row.acsColumn("firmware", as: String?.self) ?? "")
            }
            .filter { device in
                (target.manufacturer.map { Glob.matches($0, device.1) } ?? true) && (target.productClass.map { Glob.matches($0, device.2) } ?? true)
                    && (target.firmware.map { Glob.matches($0, device.3) } ?? true)
            }
            .map(\.0)
        guard !devices.isEmpty else { throw OctoError.invalid("target", "target selects no TR-069 device") }
        let id = UUID()
        let now = tx.clock.now
        var sealed: String?
        if input.action.holdsSecret, let secrets {
            sealed = try secrets.seal(try OctoJSON.string(input.action), context: Self.sealContext(provider: tx.providerID, rollout: id))
        }
        try await tx.query("""
            INSERT INTO provisioning_rollouts (id, provider_id, name, target, action, action_sealed, wave_size, pause_seconds, failure_threshold,
                                               total, next_wave_at, created_by, created_at, updated_at)
            VALUES (\(id), \(tx.providerID), \(input.name), \(try OctoJSON.string(target))::jsonb, \(try OctoJSON.string(input.action.masked))::jsonb,
                    \(sealed), \(waveSize), \(pause), \(threshold), \(devices.count), \(now), \(actor.label), \(now), \(now))
            """)
        try await tx.query("""
            INSERT INTO provisioning_rollout_devices (provider_id, rollout_id, device_id, position, updated_at)
            SELECT \(tx.providerID), \(id), device, position::int, \(now) FROM unnest(\(devices)::uuid[]) WITH ORDINALITY AS t(device, position)
            """)
        let rollout = try await get(id)
        try await tx.audit("provisioning_rollout.create", by: actor, target: ("provisioning_rollout", id.lowercased), before: Rollout?.none, after: rollout)
        try await publish(rollout)
        return rollout
    }

    static func sealContext(provider: UUID?, rollout: UUID) -> String {
        "provisioning-rollout-action:\(provider?.lowercased ?? "-"):\(rollout.lowercased)"
    }

    /// The rollout's action in clear: opened from its sealed copy, or as stored when it holds no secret.
    public func action(_ id: UUID, secrets: SecretBox?) async throws -> DeviceAction {
        guard let (stored, sealed) = try await tx.query("""
            SELECT action::text AS action, action_sealed FROM provisioning_rollouts WHERE id = \(id)
            """).acsFirst({ (try $0.acsColumn("action", as: String.self), try $0.acsColumn("action_sealed", as: String?.self)) }) else {
            throw OctoError.notFound("rollout")
        }
        guard let sealed else { return try OctoJSON.decoder.decode(DeviceAction.self, from: Data(stored.utf8)) }
        guard let secrets else { throw OctoError(.internal, "the rollout's action is sealed and no secret key (OCTOISP_SECRET_KEY) is configured") }
        let text = try secrets.open(sealed, context: Self.sealContext(provider: tx.providerID, rollout: id))
        return try OctoJSON.decoder.decode(DeviceAction.self, from: Data(text.utf8))
    }

    /// One rollout with its counts; 404 otherwise.
    public func get(_ id: UUID, lock: Bool = false) async throws -> Rollout {
        guard var rollout = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM provisioning_rollouts WHERE id = \(id) \(unescaped: lock ? "FOR UPDATE" : "")
            """).acsFirst(Self.decode) else { throw OctoError.notFound("rollout") }
        for try await (status, count) in try await tx.query("""
            SELECT status, count(*)::int FROM provisioning_rollout_devices WHERE rollout_id = \(id) GROUP BY status
            """).decode((String, Int).self) {
            switch status {
            case "pending": rollout.counts.pending = count
            case "running": rollout.counts.running = count
            case "succeeded": rollout.counts.succeeded = count
            case "failed": rollout.counts.failed = count
            default: rollout.counts.skipped = count
            }
        }
        return rollout
    }

    /// The provider's rollouts, newest first.
    public func list(page: PageRequest) async throws -> [Rollout] {
        let ids = try await tx.query("SELECT id FROM provisioning_rollouts ORDER BY created_at DESC, id LIMIT \(page.limit) OFFSET \(page.offset)")
            .acsRows { try $0.acsColumn("id", as: UUID.self) }
        var rollouts: [Rollout] = []
        for id in ids { rollouts.append(try await get(id)) }
        return rollouts
    }

    /// How many rollouts ``list(page:)`` pages through.
    public func count() async throws -> Int {
        let rows = try await tx.query("SELECT count(*)::int8 AS n FROM provisioning_rollouts").acsRows { try $0.acsColumn("n", as: Int64.self) }
        return Int(rows.first ?? 0)
    }

    /// Per-device results, in rollout order.
    public func devices(_ id: UUID, status: String?, page: PageRequest) async throws -> Page<RolloutDevice> {
        _ = try await get(id)
        let items = try await tx.query("""
            SELECT device_id, position, wave, status, task_id, outcome, error FROM provisioning_rollout_devices
            WHERE rollout_id = \(id) AND (\(status)::text IS NULL OR status = \(status)) ORDER BY position LIMIT \(page.limit) OFFSET \(page.offset)
            """).acsRows { row in
                RolloutDevice(deviceId: try row.acsColumn("device_id"), position: try row.acsColumn("position"), wave: try row.acsColumn("wave"),
                              status: try row.acsColumn("status"), taskId: try row.acsColumn("task_id"), outcome: try row.acsColumn("outcome"),
                              error: try row.acsColumn("error"))
            }
        let total = try await tx.query("""
            SELECT count(*)::int AS count FROM provisioning_rollout_devices WHERE rollout_id = \(id) AND (\(status)::text IS NULL OR status = \(status))
            """).acsFirst { try $0.acsColumn("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Cancels a running rollout: devices not started are skipped; tasks already queued stay. 409 when it is over.
    public func cancel(_ id: UUID, by actor: Actor) async throws -> Rollout {
        let before = try await get(id, lock: true)
        guard before.status == .running else { throw OctoError(.conflict, "rollout is \(before.status.rawValue); only a running rollout can be cancelled") }
        try await finish(id, status: .cancelled, reason: "cancelled by \(actor.label ?? "an operator")")
        let rollout = try await get(id)
        try await tx.audit("provisioning_rollout.cancel", by: actor, target: ("provisioning_rollout", id.lowercased), before: before, after: rollout)
        try await publish(rollout)
        return rollout
    }

    /// Ends a rollout: pending devices are skipped.
    func finish(_ id: UUID, status: Rollout.Status, reason: String?) async throws {
        let now = tx.clock.now
        try await tx.query("""
            UPDATE provisioning_rollout_devices SET status = 'skipped', updated_at = \(now) WHERE rollout_id = \(id) AND status = 'pending'
            """)
        try await tx.query("""
            UPDATE provisioning_rollouts SET status = \(status.rawValue), stop_reason = \(reason), finished_at = \(now), updated_at = \(now)
            WHERE id = \(id)
            """)
    }

    /// Records the settled task of a rollout device; returns the rollout when that wave has no running device left.
    func taskSettled(_ task: UUID, succeeded: Bool, error: String?) async throws -> UUID? {
        guard let rollout = try await tx.query("""
            UPDATE provisioning_rollout_devices SET status = \(succeeded ? "succeeded" : "failed"), error = \(error), updated_at = \(tx.clock.now)
            WHERE task_id = \(task) AND status = 'running' RETURNING rollout_id
            """).acsFirst({ try $0.acsColumn("rollout_id", as: UUID.self) }) else { return nil }
        let running = try await tx.query("""
            SELECT count(*)::int AS count FROM provisioning_rollout_devices WHERE rollout_id = \(rollout) AND status = 'running'
            """).acsFirst { try $0.acsColumn("count", as: Int.self) } ?? 0
        return running == 0 ? rollout : nil
    }

    func publish(_ rollout: Rollout) async throws {
        try await tx.publish(topic: "provisioning/rollouts/\(rollout.id.lowercased)", data: .object([
            "event": .string("rollout"), "rollout_id": .string(rollout.id.lowercased), "status": .string(rollout.status.rawValue),
            "wave": .number(Double(rollout.wave)), "total": .number(Double(rollout.total)),
            "pending": .number(Double(rollout.counts.pending)), "running": .number(Double(rollout.counts.running)),
            "succeeded": .number(Double(rollout.counts.succeeded)), "failed": .number(Double(rollout.counts.failed)),
            "skipped": .number(Double(rollout.counts.skipped)),
        ]))
    }

    static func decode(_ row: PostgresRandomAccessRow) throws -> Rollout {
        Rollout(
            id: try row.acsColumn("id"), name: try row.acsColumn("name"),
            target: try OctoJSON.decoder.decode(Rollout.Target.self, from: Data(try row.acsColumn("target", as: String.self).utf8)),
            action: try OctoJSON.decoder.decode(DeviceAction.self, from: Data(try row.acsColumn("action", as: String.self).utf8)),
            waveSize: try row.acsColumn("wave_size"), pauseSeconds: try row.acsColumn("pause_seconds"),
            failureThreshold: try row.acsColumn("failure_threshold"),
            status: Rollout.Status(rawValue: try row.acsColumn("status")) ?? .stopped, wave: try row.acsColumn("wave"),
            total: try row.acsColumn("total"), counts: Rollout.Counts(), nextWaveAt: try row.acsColumn("next_wave_at"),
            stopReason: try row.acsColumn("stop_reason"), createdBy: try row.acsColumn("created_by"), createdAt: try row.acsColumn("created_at"),
            updatedAt: try row.acsColumn("updated_at"), finishedAt: try row.acsColumn("finished_at"))
    }
}
