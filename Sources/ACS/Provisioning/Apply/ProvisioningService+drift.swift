import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

extension ProvisioningService {
    /// CommandKey prefix of the GetParameterValues tasks a drift check queues; when one settles the ACS
    /// compares the fresh values with the desired state and corrects what drifted.
    public static let driftCommandPrefix = "provdrift"

    /// Queues a drift check (GetParameterValues of the desired paths) for the provider's provisioned
    /// devices last checked before `before`, at most `limit` of them, skipping devices with open tasks.
    /// Returns how many checks were queued.
    public func queueDriftChecks(provider: UUID, database: Database, before: Date, limit: Int = 500, by actor: Actor = .system) async throws -> Int {
        let states = try await database.withTenant(provider) { tx in
            try await tx.query("""
                SELECT \(unescaped: DeviceProvisioningRepository.columns) FROM device_provisioning p
                WHERE p.status IN ('applied', 'verified', 'mismatch', 'fault') AND (p.last_checked_at IS NULL OR p.last_checked_at < \(before))
                  AND NOT EXISTS (SELECT 1 FROM acs_tasks t WHERE t.device_id = p.device_id AND t.status IN ('queued', 'running'))
                ORDER BY p.last_checked_at NULLS FIRST LIMIT \(limit)
                """).acsRows(DeviceProvisioningRepository.decode)
        }
        var queued = 0
        for state in states where !state.desired.isEmpty {
            let pending = try await database.withTenant(provider) { tx -> JobRequest? in
                var input = DeviceTaskInput(type: .getParameterValues)
                input.parameterNames = Array(state.desired.map(\.path).prefix(1_000))
                input.commandKey = Self.driftCommandPrefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
                let (_, pending) = try await tasks.create(input, device: state.deviceId, in: tx, by: actor)
                var checked = state
                checked.lastCheckedAt = tx.clock.now
                try await tx.deviceProvisioning.save(checked)
                return pending
            }
            try await tasks.enqueue(pending)
            queued += 1
        }
        return queued
    }
}

/// `provisioning.apply_template`: after a template version change or rollback, apply it to every device it matches.
public struct ProvisioningTemplateJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "provisioning.apply_template"
    /// The template.
    public var templateId: UUID

    /// Creates the payload.
    public init(templateId: UUID) {
        self.templateId = templateId
    }
}

/// `provisioning.drift`: queue drift checks for one provider's devices.
public struct ProvisioningDriftJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "provisioning.drift"
    /// Devices last checked longer ago than this many seconds are checked.
    public var olderThanSeconds: Int

    /// Creates the payload.
    public init(olderThanSeconds: Int) {
        self.olderThanSeconds = olderThanSeconds
    }
}

extension JobHandlers {
    /// Registers the provisioning jobs.
    public mutating func registerProvisioning(_ service: ProvisioningService, database: Database, clock: any WallClock) {
        register(ProvisioningTemplateJob.self) { job, context in
            let queued = try await service.applyTemplate(job.templateId, provider: context.providerID, database: database, by: .system)
            context.logger.info("template applied", metadata: ["template.id": "\(job.templateId.lowercased)", "queued": "\(queued)"])
        }
        register(ProvisioningDriftJob.self) { job, context in
            let queued = try await service.queueDriftChecks(provider: context.providerID, database: database,
                                                            before: clock.now.addingTimeInterval(-TimeInterval(job.olderThanSeconds)))
            context.logger.info("drift checks queued", metadata: ["queued": "\(queued)"])
        }
    }
}

extension ProvisioningService {
    /// A recurring schedule enqueuing one ``ProvisioningDriftJob`` per provider with provisioned devices every `every` seconds.
    public static func driftSchedule(database: Database, every: Int64) -> RecurringSchedule {
        RecurringSchedule(name: "provisioning.drift", every: every) { _ in
            let providers = try await database.globalStatement("SELECT DISTINCT provider_id FROM device_provisioning").map { try $0.decode(UUID.self) }
            return try providers.map { try JobRequest(ProvisioningDriftJob(olderThanSeconds: Int(every)), providerID: $0, maxAttempts: 1) }
        }
    }
}
