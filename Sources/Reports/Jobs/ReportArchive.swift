import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's generated reports (RLS).
    public var reportRuns: ReportArchive { ReportArchive(tx: self) }
}

/// Generated reports and their files, under the tenant policy; expired runs are deleted by
/// ``ReportArchive/deleteExpired(now:)`` on the global path.
public struct ReportArchive: Sendable {
    let tx: Transaction

    static let columns = """
        r.id, r.kind, r.request::text AS request, r.period_from, r.period_to, r.status, r.progress, r.error, r.schedule_id, r.created_by,
        r.created_at, r.finished_at, r.expires_at,
        coalesce((SELECT array_agg(f.format ORDER BY f.format) FROM report_files f WHERE f.run_id = r.id), '{}') AS formats,
        coalesce((SELECT array_agg(f.name ORDER BY f.format) FROM report_files f WHERE f.run_id = r.id), '{}') AS names,
        coalesce((SELECT array_agg(length(f.content)::bigint ORDER BY f.format) FROM report_files f WHERE f.run_id = r.id), '{}') AS sizes
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> ReportRun {
        let formats: [String] = try row.value("formats"), names: [String] = try row.value("names"), sizes: [Int64] = try row.value("sizes")
        let files = zip(formats, zip(names, sizes)).compactMap { format, rest in
            ReportFormat(rawValue: format).map { ReportRun.File(format: $0, name: rest.0, size: Int(rest.1)) }
        }
        return ReportRun(id: try row.value("id"), kind: ReportKind(rawValue: try row.value("kind")) ?? .sla,
                         request: try OctoJSON.decoder.decode(ReportRequest.self, from: Data((try row.value("request", as: String.self)).utf8)),
                         periodFrom: try row.value("period_from"), periodTo: try row.value("period_to"),
                         status: ReportRun.Status(rawValue: try row.value("status")) ?? .failed, progress: Int(try row.value("progress", as: Int32.self)),
                         error: try row.value("error"), scheduleId: try row.value("schedule_id"), createdBy: try row.value("created_by"),
                         createdAt: try row.value("created_at"), finishedAt: try row.value("finished_at"), expiresAt: try row.value("expires_at"),
                         files: files)
    }

    /// Queues a run (validated request, period already computed); audited.
    public func create(_ request: ReportRequest, period: ReportPeriod, schedule: UUID? = nil, retentionDays: Int,
                       by actor: Actor) async throws -> ReportRun {
        let id = UUID()
        let now = tx.clock.now
        try await tx.query("""
            INSERT INTO report_runs (id, provider_id, kind, request, period_from, period_to, schedule_id, created_by, created_at, expires_at)
            VALUES (\(id), \(tx.providerID), \(request.kind.rawValue), \(try OctoJSON.string(request))::jsonb, \(period.from), \(period.to),
                    \(schedule), \(actor.label ?? actor.type.rawValue), \(now), \(now.addingTimeInterval(Double(retentionDays) * 86_400)))
            """)
        let run = try await get(id)
        try await tx.audit("report.create", by: actor, target: ("report", id.lowercased), before: ReportRun?.none, after: run)
        return run
    }

    /// One run, or 404 (another provider's too).
    public func get(_ id: UUID) async throws -> ReportRun {
        guard let run = try await tx.query("SELECT \(unescaped: Self.columns) FROM report_runs r WHERE r.id = \(id)").reportRows(Self.decode).first else {
            throw OctoError.notFound("report")
        }
        return run
    }

    /// Runs, newest first.
    public func list(page: PageRequest, kind: ReportKind? = nil) async throws -> Page<ReportRun> {
        let total = try await tx.query("SELECT count(*) AS n FROM report_runs WHERE \(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue)")
            .reportRows { try $0.value("n", as: Int.self) }.first ?? 0
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM report_runs r WHERE \(kind?.rawValue)::text IS NULL OR r.kind = \(kind?.rawValue)
            ORDER BY r.created_at DESC, r.id LIMIT \(page.limit) OFFSET \(page.offset)
            """).reportRows(Self.decode)
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Marks a queued run running; `false` when it is not queued (already taken, or gone).
    public func start(_ id: UUID) async throws -> Bool {
        try await tx.query("UPDATE report_runs SET status = 'running', progress = 0 WHERE id = \(id) AND status IN ('queued', 'running') RETURNING id")
            .reportRows { try $0.value("id", as: UUID.self) }.count == 1
    }

    /// Progress in percent.
    public func progress(_ id: UUID, _ percent: Int) async throws {
        try await tx.query("UPDATE report_runs SET progress = \(Int32(min(max(percent, 0), 100))) WHERE id = \(id) AND status = 'running'")
        try await tx.publish(topic: "reports", data: .object(["event": .string("progress"), "id": .string(id.lowercased), "progress": .number(Double(percent))]))
    }

    /// Stores the files and marks the run done.
    public func complete(_ id: UUID, files: [ReportFormat: [UInt8]], baseName: String) async throws {
        let now = tx.clock.now
        try await tx.query("DELETE FROM report_files WHERE run_id = \(id)")
        for (format, bytes) in files.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let name = "\(baseName)\(format == .csvPtBR ? "-pt-BR" : "").\(format.fileExtension)"
            try await tx.query("""
                INSERT INTO report_files (provider_id, run_id, format, name, content_type, content, created_at)
                VALUES (\(tx.providerID), \(id), \(format.rawValue), \(name), \(format.contentType), \(ByteBuffer(bytes: bytes)), \(now))
                """)
        }
        try await tx.query("UPDATE report_runs SET status = 'done', progress = 100, finished_at = \(now), error = NULL WHERE id = \(id)")
        try await tx.publish(topic: "reports", data: .object(["event": .string("done"), "id": .string(id.lowercased)]))
    }

    /// Marks the run failed.
    public func fail(_ id: UUID, error: String) async throws {
        try await tx.query("""
            UPDATE report_runs SET status = 'failed', finished_at = \(tx.clock.now), error = \(String(error.prefix(2000))) WHERE id = \(id)
            """)
        try await tx.publish(topic: "reports", data: .object(["event": .string("failed"), "id": .string(id.lowercased)]))
    }

    /// One file of a run: name, content type and bytes; 404 when absent.
    public func file(_ id: UUID, format: ReportFormat) async throws -> (name: String, contentType: String, content: [UInt8]) {
        guard let file = try await tx.query("""
            SELECT name, content_type, content FROM report_files WHERE run_id = \(id) AND format = \(format.rawValue)
            """).reportRows({ row in
                (try row.value("name", as: String.self), try row.value("content_type", as: String.self),
                 Array((try row.value("content", as: ByteBuffer.self)).readableBytesView))
            }).first else { throw OctoError.notFound("report file") }
        return file
    }

    /// Deletes a run and its files; audited.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM report_runs WHERE id = \(id)")
        try await tx.audit("report.delete", by: actor, target: ("report", id.lowercased), before: before, after: ReportRun?.none)
    }
}

extension ReportArchive {
    /// Deletes every provider's runs past their expiry (run on the global path by the retention job);
    /// returns how many.
    public static func deleteExpired(_ database: Database, now: Date) async throws -> Int {
        try await database.withGlobal { tx in
            try await tx.query("DELETE FROM report_runs WHERE expires_at <= \(now) RETURNING id").reportRows { try $0.value("id", as: UUID.self) }.count
        }
    }
}
