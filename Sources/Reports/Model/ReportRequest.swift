import Foundation
import OctoCore

/// The kinds of report.
public enum ReportKind: String, Sendable, Codable, CaseIterable {
    /// Availability per provider, POP, group, customer and device against contracted targets.
    case sla
    /// In/out volume, average, peak and 95th percentile per interface, device, POP and customer.
    case bandwidth
    /// Incidents with their timeline, acknowledge and resolve times, by POP and by rule.
    case incidents
    /// GPON ONUs out of range or degrading, per OLT port.
    case optics
}

/// Where in the hierarchy a report looks.
public enum ReportScopeKind: String, Sendable, Codable, CaseIterable {
    case provider, pop, group, customer, device
}

/// What to generate: `POST /reports` and a schedule's `request`.
public struct ReportRequest: Sendable, Codable, Hashable {
    /// The report.
    public var kind: ReportKind
    /// The scope; `provider` (the default) has no `scopeId`.
    public var scope: ReportScopeKind?
    /// The POP, group, customer or device.
    public var scopeId: UUID?
    /// First local day (`yyyy-mm-dd`), inclusive; schedules compute it.
    public var from: String?
    /// Last local day (`yyyy-mm-dd`), inclusive.
    public var to: String?
    /// Files to produce (default PDF and the pt-BR CSV).
    public var formats: [ReportFormat]?
    /// Language of the text (default pt-BR).
    public var language: ReportLanguage?
    /// Rows of the "top" tables (default 20, at most 500).
    public var top: Int?

    /// Creates a request.
    public init(kind: ReportKind, scope: ReportScopeKind? = nil, scopeId: UUID? = nil, from: String? = nil, to: String? = nil,
                formats: [ReportFormat]? = nil, language: ReportLanguage? = nil, top: Int? = nil) {
        self.kind = kind
        self.scope = scope
        self.scopeId = scopeId
        self.from = from
        self.to = to
        self.formats = formats
        self.language = language
        self.top = top
    }

    /// The scope or `provider`.
    public var effectiveScope: ReportScopeKind { scope ?? .provider }
    /// The formats or PDF + pt-BR CSV.
    public var effectiveFormats: [ReportFormat] { formats ?? [.pdf, .csvPtBR] }
    /// The language or pt-BR.
    public var effectiveLanguage: ReportLanguage { language ?? .ptBR }
    /// Rows of the top tables.
    public var effectiveTop: Int { top ?? 20 }

    /// Checks the fields a request must have on its own (a schedule has no dates); 400 naming the field.
    public func validate(requireDates: Bool) throws(OctoError) {
        guard (effectiveScope == .provider) == (scopeId == nil) else {
            throw .invalid("scope_id", "scope \(effectiveScope.rawValue) and scope_id disagree")
        }
        if let formats, formats.isEmpty || Set(formats).count != formats.count {
            throw .invalid("formats", "formats must list each format once")
        }
        if let top, !(1...500).contains(top) { throw .invalid("top", "top must be 1–500") }
        if requireDates {
            guard from != nil else { throw .invalid("from", "from is required") }
            guard to != nil else { throw .invalid("to", "to is required") }
        }
    }

    /// The period of `from`…`to` in `timeZone`; at most 366 days.
    public func period(timeZone: String) throws(OctoError) -> ReportPeriod {
        guard let from else { throw .invalid("from", "from is required") }
        guard let to else { throw .invalid("to", "to is required") }
        let period = try ReportPeriod.days(from, through: to, timeZone: timeZone)
        guard period.seconds <= 366 * 86_400 + 3600 else { throw .invalid("to", "a report covers at most 366 days") }
        return period
    }
}
