import Foundation
import OctoCore

/// A generated (or queued) report in the archive.
public struct ReportRun: Sendable, Hashable, Encodable {
    /// Status of a run.
    public enum Status: String, Sendable, Hashable, Codable { case queued, running, done, failed }

    /// One file of a run.
    public struct File: Sendable, Hashable, Encodable {
        /// Format.
        public var format: ReportFormat
        /// File name.
        public var name: String
        /// Bytes.
        public var size: Int
    }

    /// Id.
    public var id: UUID
    /// Kind.
    public var kind: ReportKind
    /// What was asked.
    public var request: ReportRequest
    /// Period start (UTC).
    public var periodFrom: Date
    /// Period end, exclusive (UTC).
    public var periodTo: Date
    /// queued, running, done or failed.
    public var status: Status
    /// Percent.
    public var progress: Int
    /// Why it failed.
    public var error: String?
    /// The schedule that made it.
    public var scheduleId: UUID?
    /// Who asked (user e-mail, key name or `schedule`).
    public var createdBy: String
    /// When queued.
    public var createdAt: Date
    /// When done or failed.
    public var finishedAt: Date?
    /// Deleted after this.
    public var expiresAt: Date
    /// The files (when done).
    public var files: [File]
}

/// A report schedule.
public struct ReportSchedule: Sendable, Hashable, Encodable {
    /// Id.
    public var id: UUID
    /// Name.
    public var name: String
    /// The report (without dates).
    public var request: ReportRequest
    /// daily, weekly, monthly or cron.
    public var cadence: String
    /// The cron expression for cadence `cron`.
    public var cron: String?
    /// The period each report covers: the previous day, week or month.
    public var period: ReportPeriod.Unit
    /// The e-mail notification channel whose SMTP server sends.
    public var channelId: UUID
    /// Recipients.
    public var recipients: [String]
    /// Whether it fires.
    public var enabled: Bool
    /// Next firing.
    public var nextRunAt: Date
    /// Last firing.
    public var lastRunAt: Date?
    /// The run it made last.
    public var lastRunId: UUID?
    /// Who created it.
    public var createdBy: String
    /// Created.
    public var createdAt: Date
    /// Updated.
    public var updatedAt: Date
}

/// `POST /report-schedules` and `PATCH /report-schedules/{id}` (absent fields unchanged on PATCH).
public struct ReportScheduleInput: Sendable, Codable {
    /// Name.
    public var name: String?
    /// The report; `from`/`to` must be absent.
    public var request: ReportRequest?
    /// daily, weekly, monthly or cron.
    public var cadence: String?
    /// Cron expression (cadence cron).
    public var cron: String?
    /// day, week or month (default: the cadence's, day for cron).
    public var period: ReportPeriod.Unit?
    /// The e-mail channel.
    public var channelId: UUID?
    /// Recipients (1–50 addresses).
    public var recipients: [String]?
    /// Enabled.
    public var enabled: Bool?

    /// Creates an input.
    public init(name: String? = nil, request: ReportRequest? = nil, cadence: String? = nil, cron: String? = nil,
                period: ReportPeriod.Unit? = nil, channelId: UUID? = nil, recipients: [String]? = nil, enabled: Bool? = nil) {
        self.name = name
        self.request = request
        self.cadence = cadence
        self.cron = cron
        self.period = period
        self.channelId = channelId
        self.recipients = recipients
        self.enabled = enabled
    }
}
