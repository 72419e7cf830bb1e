import Alerts
import Foundation
import Logging
import Notifications
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import PostgresNIO

/// `reports.generate`: generate one archived run.
public struct ReportGenerateJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "reports.generate"
    /// The run.
    public var runId: UUID
    /// Creates the payload.
    public init(runId: UUID) { self.runId = runId }
}

/// `reports.schedules`: fire a provider's due schedules.
public struct ReportSchedulesJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "reports.schedules"
    /// The scheduled minute (seconds since the epoch).
    public var period: Int64
    /// Creates the payload.
    public init(period: Int64) { self.period = period }
}

/// `reports.retention`: delete a provider's expired runs.
public struct ReportRetentionJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "reports.retention"
    /// The scheduled hour (seconds since the epoch).
    public var period: Int64
    /// Creates the payload.
    public init(period: Int64) { self.period = period }
}

/// `reports.traffic`: compute and store a provider's traffic days whose rollups changed.
public struct ReportTrafficJob: JobPayload, Hashable {
    /// The job type.
    public static let jobType = "reports.traffic"
    /// The scheduled hour (seconds since the epoch).
    public var period: Int64
    /// Creates the payload.
    public init(period: Int64) { self.period = period }
}

/// Reports on demand and on a schedule: queues runs as jobs, generates them with progress, keeps the
/// files in the archive (RLS) until they expire, and e-mails scheduled ones with their files attached
/// through the SMTP server of the schedule's e-mail channel.
public struct ReportService: Sendable {
    /// The pools.
    public let database: Database
    /// The queue the runs go to.
    public let queue: any JobQueue
    /// Opens e-mail channel passwords.
    public let secrets: SecretBox?
    /// Days a run is kept (`OCTOISP_REPORTS_RETENTION_DAYS`, default 90).
    public let retentionDays: Int
    /// Days traffic days are kept: as long as the 5-minute rollups they come from (35 by default).
    public let trafficDays: Int
    /// Logger.
    public let logger: Logger
    /// Rollup batches a report reads at once besides its own transaction (see ``ReportOptions/parallelReads``):
    /// two, so the reads use a second core of PostgreSQL while the report computes.
    public static let readers = 2

    /// Creates the service.
    public init(database: Database, queue: any JobQueue, secrets: SecretBox?, retentionDays: Int = 90,
                trafficDays: Int = MetricsRetention().days(.fiveMinutes), logger: Logger) {
        self.database = database
        self.queue = queue
        self.secrets = secrets
        self.retentionDays = retentionDays
        self.trafficDays = trafficDays
        self.logger = logger
    }

    /// Validates `request` (400 naming the field, 404 for a scope of no such entity), queues the run and
    /// its job; the job commits with the run on the PostgreSQL queue.
    public func request(_ request: ReportRequest, provider: UUID, by actor: Actor) async throws -> ReportRun {
        try request.validate(requireDates: true)
        let (run, pending) = try await database.withTenant(provider) { tx in
            let period = try request.period(timeZone: try await ReportGenerator.timeZone(tx))
            try await Self.checkScope(request, tx: tx)
            let run = try await tx.reportRuns.create(request, period: period, retentionDays: retentionDays, by: actor)
            return (run, try await enqueue(run.id, provider: provider, in: tx))
        }
        if let pending { _ = try await queue.enqueue(pending) }
        return run
    }

    /// 400 naming `scope_id` when the scope's entity does not exist for this provider.
    static func checkScope(_ request: ReportRequest, tx: Transaction) async throws {
        guard let id = request.scopeId else { return }
        let table = switch request.effectiveScope {
        case .pop: "pops"; case .group: "device_groups"; case .customer: "customers"; case .device: "devices"; case .provider: "providers"
        }
        let found = try await tx.query("SELECT 1 AS one FROM \(unescaped: table) WHERE id = \(id)").reportRows { _ in 1 }.count
        guard found == 1 else { throw OctoError.invalid("scope_id", "no such \(request.effectiveScope.rawValue)") }
    }

    /// The job for a run: inside `tx` on the PostgreSQL queue, else returned for after the commit.
    func enqueue(_ run: UUID, provider: UUID, in tx: Transaction) async throws -> JobRequest? {
        let job = try JobRequest(ReportGenerateJob(runId: run), providerID: provider, priority: 3, maxAttempts: 2, dedupKey: "report:\(run.lowercased)")
        try await JobOutbox.stage(job, on: queue, in: tx)
        return nil
    }

    /// Generates run `id` of `provider`: progress in separate short transactions (visible while it
    /// runs), the report read in one tenant transaction, the files stored with the status; a scheduled
    /// run is then e-mailed.
    public func execute(_ id: UUID, provider: UUID) async throws {
        let run = try await database.withTenant(provider) { tx -> ReportRun? in
            guard try await tx.reportRuns.start(id) else { return nil }
            return try await tx.reportRuns.get(id)
        }
        guard let run else { return }
        let database = self.database
        do {
            // The report is read in one read-only transaction, on the replica when one is configured.
            let files = try await database.withTenantReading(provider) { tx in
                let period = try ReportPeriod(from: run.periodFrom, to: run.periodTo, timeZone: try await ReportGenerator.timeZone(tx))
                let options = ReportOptions(parallelReads: (database, Self.readers))
                return try await ReportGenerator.generate(run.request, period: period, tx: tx, options: options) { percent in
                    try await database.withTenant(provider) { tx in try await tx.reportRuns.progress(id, percent) }
                }
            }
            try await database.withTenant(provider) { tx in
                try await tx.reportRuns.complete(id, files: files, baseName: Self.baseName(run))
            }
        } catch {
            logger.error("report failed", metadata: ["provider.id": "\(provider.lowercased)", "report.id": "\(id.lowercased)", "error": "\(error)"])
            try await database.withTenant(provider) { tx in try await tx.reportRuns.fail(id, error: "\(error)") }
            return
        }
        if run.scheduleId != nil { try await mail(id, provider: provider) }
    }

    /// `sla-2026-11-01-2026-11-30`.
    static func baseName(_ run: ReportRun) -> String {
        "\(run.kind.rawValue)-\(run.request.from ?? "")-\(run.request.to ?? "")"
    }

    /// E-mails a scheduled run's files to the schedule's recipients through its channel's SMTP server.
    public func mail(_ id: UUID, provider: UUID) async throws {
        let (run, schedule, channel, files, providerName, timeZone) = try await database.withTenant(provider) { tx in
            let run = try await tx.reportRuns.get(id)
            guard let scheduleId = run.scheduleId else { throw OctoError.invalid("schedule_id", "the report has no schedule") }
            let schedule = try await tx.reportSchedules.get(scheduleId)
            let channel = try await tx.notificationChannels.get(schedule.channelId, secrets: secrets)
            var files: [MailAttachment] = []
            for file in run.files {
                let stored = try await tx.reportRuns.file(id, format: file.format)
                files.append(MailAttachment(name: stored.name, contentType: stored.contentType, content: stored.content))
            }
            let name = try await tx.query("SELECT name FROM providers WHERE id = \(provider)").reportRows { try $0.value("name", as: String.self) }.first ?? ""
            return (run, schedule, channel, files, name, try await ReportGenerator.timeZone(tx))
        }
        guard case .email(let settings) = channel.channel else { throw OctoError.invalid("channel_id", "not an e-mail channel") }
        let pt = run.request.effectiveLanguage == .ptBR
        let formatter = ReportFormatter(language: run.request.effectiveLanguage, timeZone: timeZone)
        let period = (try? ReportPeriod(from: run.periodFrom, to: run.periodTo, timeZone: timeZone)).map(formatter.period) ?? ""
        let title = Self.title(run.kind, pt: pt)
        var to: [MailAddress] = []
        for recipient in schedule.recipients { to.append(try MailAddress(recipient)) }
        let domain = settings.fromAddress.split(separator: "@").last.map(String.init) ?? "octoisp.invalid"
        var message = MailMessage(
            from: try MailAddress(settings.fromAddress, name: settings.fromName), to: to,
            subject: "\(title) — \(providerName) — \(period)",
            text: pt ? "Segue em anexo o \(title.lowercased()) de \(providerName), período \(period) (agendamento \"\(schedule.name)\").\n\nOctoISP"
                     : "Attached is the \(title.lowercased()) of \(providerName), period \(period) (schedule \"\(schedule.name)\").\n\nOctoISP",
            date: database.clock.now, messageID: "report-\(id.lowercased)@\(domain)",
            headers: ["X-OctoISP-Report": id.lowercased, "X-OctoISP-Report-Schedule": schedule.id.lowercased])
        message.attachments = files
        _ = try await SMTPClient(settings.smtp).send(message)
    }

    static func title(_ kind: ReportKind, pt: Bool) -> String {
        switch kind {
        case .sla: pt ? "Relatório de SLA" : "SLA report"
        case .bandwidth: pt ? "Relatório de consumo de banda" : "Bandwidth report"
        case .incidents: pt ? "Relatório de incidentes" : "Incident report"
        case .optics: pt ? "Relatório de saúde óptica" : "Optical health report"
        }
    }

    /// Fires `provider`'s due schedules: a run per schedule over the previous local day, week or month,
    /// its job, and the next firing, all in one transaction (schedules locked, so two workers never fire
    /// the same one). Returns the runs queued.
    @discardableResult
    public func fireSchedules(provider: UUID) async throws -> [UUID] {
        let now = database.clock.now
        let (runs, pending) = try await database.withTenant(provider) { tx in
            let timeZone = try await ReportGenerator.timeZone(tx)
            var runs: [UUID] = [], pending: [JobRequest] = []
            for schedule in try await tx.reportSchedules.claimDue(now: now) {
                let period = try ReportPeriod.previous(schedule.period, before: schedule.nextRunAt, timeZone: timeZone)
                let calendar = try ReportPeriod.calendar(timeZone)
                var request = schedule.request
                request.from = ReportPeriod.localDate(period.from, calendar)
                request.to = ReportPeriod.localDate(period.to.addingTimeInterval(-1), calendar)
                let actor = Actor(type: .system, id: nil, label: "schedule \(schedule.name)")
                let run = try await tx.reportRuns.create(request, period: period, schedule: schedule.id, retentionDays: retentionDays, by: actor)
                let cadence = try ReportCadence(cadence: schedule.cadence, cron: schedule.cron)
                try await tx.reportSchedules.fired(schedule.id, at: now, run: run.id, next: try cadence.next(after: max(now, schedule.nextRunAt), timeZone: timeZone))
                if let job = try await enqueue(run.id, provider: provider, in: tx) { pending.append(job) }
                runs.append(run.id)
            }
            return (runs, pending)
        }
        if !pending.isEmpty { _ = try await queue.enqueue(pending) }
        return runs
    }

    /// Deletes `provider`'s expired runs (files with them); returns how many.
    @discardableResult
    public func deleteExpired(provider: UUID) async throws -> Int {
        let now = database.clock.now
        return try await database.withTenant(provider) { tx in
            try await tx.query("DELETE FROM report_runs WHERE expires_at <= \(now) RETURNING id").reportRows { try $0.value("id", as: UUID.self) }.count
        }
    }

    /// Computes and stores `provider`'s traffic days whose 5-minute rollups changed, `marksPerRound`
    /// changed series-hours per transaction until none is left; deletes those older than the 5-minute
    /// rollups' retention. Returns the days written.
    @discardableResult
    public func refreshTraffic(provider: UUID, marksPerRound: Int = 50_000) async throws -> Int {
        var written = 0
        while true {
            let (marks, days) = try await TrafficDays.refresh(database, provider: provider, keepDays: trafficDays, limit: max(marksPerRound, 1))
            written += days
            if marks == 0 { return written }
        }
    }

    /// The recurring schedules: due report schedules every minute, retention and the traffic days
    /// every hour.
    public func recurringSchedules() -> [RecurringSchedule] {
        let database = self.database
        return [
            RecurringSchedule(name: "reports.schedules", every: 60) { start in
                let period = Int64(start.timeIntervalSince1970)
                let providers = try await database.globalStatement("""
                    SELECT DISTINCT provider_id FROM report_schedules WHERE enabled AND next_run_at <= \(start.addingTimeInterval(60))
                    """).map { try $0.decode(UUID.self) }
                return try providers.map { provider in
                    try JobRequest(ReportSchedulesJob(period: period), providerID: provider, priority: 4, maxAttempts: 3,
                                   dedupKey: "reports.schedules:\(period)", orderingKey: "reports.schedules:\(provider.lowercased)")
                }
            },
            RecurringSchedule(name: "reports.retention", every: 3600) { start in
                let period = Int64(start.timeIntervalSince1970)
                let providers = try await database.globalStatement("SELECT DISTINCT provider_id FROM report_runs WHERE expires_at <= \(start)")
                    .map { try $0.decode(UUID.self) }
                return try providers.map { provider in
                    try JobRequest(ReportRetentionJob(period: period), providerID: provider, maxAttempts: 3, dedupKey: "reports.retention:\(period)")
                }
            },
            RecurringSchedule(name: "reports.traffic", every: 3600) { start in
                let period = Int64(start.timeIntervalSince1970)
                let providers = try await database.globalStatement("SELECT DISTINCT provider_id FROM metric_rate_changes")
                    .map { try $0.decode(UUID.self) }
                return try providers.map { provider in
                    try JobRequest(ReportTrafficJob(period: period), providerID: provider, priority: 1, maxAttempts: 3,
                                   dedupKey: "reports.traffic:\(period)", orderingKey: "reports.traffic:\(provider.lowercased)")
                }
            },
        ]
    }
}

extension JobHandlers {
    /// Registers the report jobs.
    public mutating func registerReports(_ service: ReportService) {
        register(ReportGenerateJob.self) { payload, context in
            try await service.execute(payload.runId, provider: context.providerID)
        }
        register(ReportSchedulesJob.self) { _, context in
            try await service.fireSchedules(provider: context.providerID)
        }
        register(ReportRetentionJob.self) { _, context in
            try await service.deleteExpired(provider: context.providerID)
        }
        register(ReportTrafficJob.self) { _, context in
            try await service.refreshTraffic(provider: context.providerID)
        }
    }
}
