import Foundation
import Notifications
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's report schedules (RLS, audited).
    public var reportSchedules: ReportScheduleRepository { ReportScheduleRepository(tx: self) }
}

/// Report schedules.
public struct ReportScheduleRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, name, request::text AS request, cadence, cron, period, channel_id, recipients, enabled, next_run_at, last_run_at, last_run_id,
        created_by, created_at, updated_at
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> ReportSchedule {
        ReportSchedule(id: try row.value("id"), name: try row.value("name"),
                       request: try OctoJSON.decoder.decode(ReportRequest.self, from: Data((try row.value("request", as: String.self)).utf8)),
                       cadence: try row.value("cadence"), cron: try row.value("cron"),
                       period: ReportPeriod.Unit(rawValue: try row.value("period")) ?? .day, channelId: try row.value("channel_id"),
                       recipients: try row.value("recipients"), enabled: try row.value("enabled"), nextRunAt: try row.value("next_run_at"),
                       lastRunAt: try row.value("last_run_at"), lastRunId: try row.value("last_run_id"), createdBy: try row.value("created_by"),
                       createdAt: try row.value("created_at"), updatedAt: try row.value("updated_at"))
    }

    /// Schedules by name.
    public func list(page: PageRequest) async throws -> Page<ReportSchedule> {
        let total = try await tx.query("SELECT count(*) AS n FROM report_schedules").reportRows { try $0.value("n", as: Int.self) }.first ?? 0
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM report_schedules ORDER BY name, id LIMIT \(page.limit) OFFSET \(page.offset)
            """).reportRows(Self.decode)
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// One schedule or 404.
    public func get(_ id: UUID) async throws -> ReportSchedule {
        guard let schedule = try await tx.query("SELECT \(unescaped: Self.columns) FROM report_schedules WHERE id = \(id)").reportRows(Self.decode).first else {
            throw OctoError.notFound("report schedule")
        }
        return schedule
    }

    /// The merged and checked fields of a create or update; 400 naming the field.
    func resolve(_ input: ReportScheduleInput, over before: ReportSchedule?) async throws -> ReportSchedule {
        let now = tx.clock.now
        guard let name = (input.name ?? before?.name)?.trimmingCharacters(in: .whitespaces), (1...200).contains(name.count) else {
            throw OctoError.invalid("name", "name must be 1–200 characters")
        }
        guard let request = input.request ?? before?.request else { throw OctoError.invalid("request", "request is required") }
        try request.validate(requireDates: false)
        guard request.from == nil, request.to == nil else {
            throw OctoError.invalid("request.from", "a schedule computes its period; leave from and to out")
        }
        guard let cadenceName = input.cadence ?? before?.cadence else { throw OctoError.invalid("cadence", "cadence is required") }
        let cron = cadenceName == "cron" ? (input.cron ?? before?.cron) : nil
        if cadenceName != "cron", input.cron != nil { throw OctoError.invalid("cron", "cron is only for cadence cron") }
        let cadence = try ReportCadence(cadence: cadenceName, cron: cron)
        let period = input.period ?? (input.cadence == nil ? before?.period : nil) ?? {
            switch cadence { case .weekly: .week; case .monthly: .month; default: .day }
        }()
        guard let channelId = input.channelId ?? before?.channelId else { throw OctoError.invalid("channel_id", "channel_id is required") }
        let kind = try await tx.query("SELECT kind FROM notification_channels WHERE id = \(channelId)").reportRows { try $0.value("kind", as: String.self) }.first
        guard kind == "email" else { throw OctoError.invalid("channel_id", "channel_id must name one of your e-mail channels") }
        guard let recipients = input.recipients ?? before?.recipients, (1...50).contains(recipients.count) else {
            throw OctoError.invalid("recipients", "recipients must list 1–50 addresses")
        }
        for address in recipients where !MailAddress.isValid(address) {
            throw OctoError.invalid("recipients", "invalid e-mail address \(address)")
        }
        if let scope = request.scopeId {
            let table = switch request.effectiveScope {
            case .pop: "pops"; case .group: "device_groups"; case .customer: "customers"; case .device: "devices"; case .provider: "providers"
            }
            let found = try await tx.query("SELECT 1 AS one FROM \(unescaped: table) WHERE id = \(scope)").reportRows { _ in 1 }.count
            guard found == 1 else { throw OctoError.invalid("request.scope_id", "no such \(request.effectiveScope.rawValue)") }
        }
        let timeZone = try await ReportGenerator.timeZone(tx)
        var cronText: String?
        if case .cron(let expression) = cadence { cronText = expression.text }
        return ReportSchedule(id: before?.id ?? UUID(), name: name, request: request, cadence: cadenceName, cron: cronText,
                              period: period, channelId: channelId, recipients: recipients, enabled: input.enabled ?? before?.enabled ?? true,
                              nextRunAt: try cadence.next(after: now, timeZone: timeZone), lastRunAt: before?.lastRunAt, lastRunId: before?.lastRunId,
                              createdBy: before?.createdBy ?? "", createdAt: before?.createdAt ?? now, updatedAt: now)
    }

    /// Creates a schedule; audited.
    public func create(_ input: ReportScheduleInput, by actor: Actor) async throws -> ReportSchedule {
        var schedule = try await resolve(input, over: nil)
        schedule.createdBy = actor.label ?? actor.type.rawValue
        try await tx.query("""
            INSERT INTO report_schedules (id, provider_id, name, request, cadence, cron, period, channel_id, recipients, enabled, next_run_at,
                                          created_by, created_at, updated_at)
            VALUES (\(schedule.id), \(tx.providerID), \(schedule.name), \(try OctoJSON.string(schedule.request))::jsonb, \(schedule.cadence),
                    \(schedule.cron), \(schedule.period.rawValue), \(schedule.channelId), \(schedule.recipients), \(schedule.enabled),
                    \(schedule.nextRunAt), \(schedule.createdBy), \(schedule.createdAt), \(schedule.updatedAt))
            """)
        let stored = try await get(schedule.id)
        try await tx.audit("report_schedule.create", by: actor, target: ("report_schedule", stored.id.lowercased), before: ReportSchedule?.none, after: stored)
        return stored
    }

    /// Changes a schedule (the next firing is recomputed); audited.
    public func update(_ id: UUID, _ input: ReportScheduleInput, by actor: Actor) async throws -> ReportSchedule {
        let before = try await get(id)
        let schedule = try await resolve(input, over: before)
        try await tx.query("""
            UPDATE report_schedules SET name = \(schedule.name), request = \(try OctoJSON.string(schedule.request))::jsonb,
                cadence = \(schedule.cadence), cron = \(schedule.cron), period = \(schedule.period.rawValue), channel_id = \(schedule.channelId),
                recipients = \(schedule.recipients), enabled = \(schedule.enabled), next_run_at = \(schedule.nextRunAt), updated_at = \(schedule.updatedAt)
            WHERE id = \(id)
            """)
        let after = try await get(id)
        try await tx.audit("report_schedule.update", by: actor, target: ("report_schedule", id.lowercased), before: before, after: after)
        return after
    }

    /// Deletes a schedule; audited.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM report_schedules WHERE id = \(id)")
        try await tx.audit("report_schedule.delete", by: actor, target: ("report_schedule", id.lowercased), before: before, after: ReportSchedule?.none)
    }

    /// Due schedules, locked for this transaction (another worker skips them).
    func claimDue(now: Date) async throws -> [ReportSchedule] {
        try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM report_schedules WHERE enabled AND next_run_at <= \(now) ORDER BY next_run_at, id
            FOR UPDATE SKIP LOCKED
            """).reportRows(Self.decode)
    }

    /// Records a firing and the next one.
    func fired(_ id: UUID, at: Date, run: UUID, next: Date) async throws {
        try await tx.query("UPDATE report_schedules SET last_run_at = \(at), last_run_id = \(run), next_run_at = \(next) WHERE id = \(id)")
    }
}
