import Foundation
import Logging
import OctoCore
import OctoStore
import PostgresNIO

extension ACSEngine {
    /// Puts back in the queue the running tasks whose session is gone: the device holds no session
    /// lease any more, or holds one that started after the task did (a device has one session at a time
    /// and a session claims tasks only after it starts, so a newer session cannot be the one running it),
    /// so the process that sent the RPC died (or lost the device) before the answer was stored. A device
    /// that informs often — a new session as soon as the dead one's lease expired — would otherwise keep
    /// its task running until a sweep happened to fall between two of its sessions. The two start times
    /// come from the clocks of the processes that wrote them (and a clock may step back a little), so a
    /// session counts as newer only when it started more than 2 s after the task; a dead session's task
    /// is older than the next session by at least the lease's length (the CWMP idle timeout plus 5 s).
    /// Downloads keep the first rule only (a download sent in an ended session is taken back by the
    /// session that receives its TransferComplete, and keeps its first start time); those the CPE
    /// already accepted stay running until their TransferComplete or deadline.
    /// The device gets such a task again in its next session, unless that session's Inform shows it
    /// already ran (its ParameterKey or CommandKey; see ``ACSEngine/confirm(_:evidence:of:in:)``), so a
    /// change the CPE applied before the answer was lost is not sent twice. A task whose row another
    /// transaction holds at that moment (its session storing an answer, a connection request recording
    /// its outcome) is left for the next sweep. Returns how many were requeued.
    @discardableResult
    public func requeueOrphanedTasks() async -> Int {
        do {
            let now = clock.now
            let providers = try await database.globalStatement("""
                SELECT DISTINCT t.provider_id FROM acs_tasks t
                WHERE t.status = 'running' AND (t.type <> 'download' OR t.result IS NULL)
                  AND NOT EXISTS (SELECT 1 FROM cwmp_sessions s
                                  WHERE s.provider_id = t.provider_id AND s.device_id = t.device_id AND s.expires_at > \(now)
                                    AND (t.type = 'download' OR t.started_at IS NULL OR s.started_at <= t.started_at + interval '2 seconds'))
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
                                           WHERE s.provider_id = t.provider_id AND s.device_id = t.device_id AND s.expires_at > \(now)
                                             AND (t.type = 'download' OR t.started_at IS NULL OR s.started_at <= t.started_at + interval '2 seconds'))
                         LIMIT \(limit) FOR UPDATE SKIP LOCKED)
              AND status = 'running'
            RETURNING \(unescaped: Self.columns)
            """).acsRows(Self.decode)
        for task in tasks { try await publish(task) }
        return tasks
    }
}
