import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

extension ACSEngine {
    /// Puts back in the queue the running tasks whose session is gone: the device holds no session
    /// lease any more, so the process that sent the RPC died (or lost the device) before the answer was
    /// stored. Downloads the CPE already accepted stay running until their TransferComplete or deadline.
    /// The device gets such a task again in its next session, unless that session's Inform shows it
    /// already ran (its ParameterKey or CommandKey; see ``ACSEngine/confirm(_:evidence:of:in:)``), so a
    /// change the CPE applied before the answer was lost is not sent twice. Returns how many were requeued.
    @discardableResult
    public func requeueOrphanedTasks() async -> Int {
        do {
            let now = clock.now
            let providers = try await database.globalStatement("""
                SELECT DISTINCT t.provider_id FROM acs_tasks t
                WHERE t.status = 'running' AND (t.type <> 'download' OR t.result IS NULL)
                  AND NOT EXISTS (SELECT 1 FROM cwmp_sessions s
                                  WHERE s.provider_id = t.provider_id AND s.device_id = t.device_id AND s.expires_at > \(now))
                LIMIT 1000
                """, logger: logger).map { try $0.decode(UUID.self) }
            var requeued = 0
            for provider in providers {
                requeued += try await database.withTenant(provider, logger: logger) { tx in try await tx.deviceTasks.requeueOrphaned(now: now).count }
            }
            if requeued > 0 { logger.notice("device tasks of ended sessions requeued", metadata: ["count": "\(requeued)"]) }
            return requeued
        } catch {
            logger.error("requeueing the tasks of ended sessions failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}

extension DeviceTaskRepository {
    /// Requeues the provider's running tasks of devices without a live session lease (see
    /// ``ACSEngine/requeueOrphanedTasks()``).
    func requeueOrphaned(now: Date, limit: Int = 500) async throws -> [DeviceTask] {
        let tasks = try await tx.query("""
            UPDATE acs_tasks SET status = 'queued'
            WHERE id IN (SELECT t.id FROM acs_tasks t
                         WHERE t.status = 'running' AND (t.type <> 'download' OR t.result IS NULL)
                           AND NOT EXISTS (SELECT 1 FROM cwmp_sessions s
                                           WHERE s.provider_id = t.provider_id AND s.device_id = t.device_id AND s.expires_at > \(now))
                         LIMIT \(limit) FOR UPDATE SKIP LOCKED)
              AND status = 'running'
            RETURNING \(unescaped: Self.columns)
            """).acsRows(Self.decode)
        for task in tasks { try await publish(task) }
        return tasks
    }
}
