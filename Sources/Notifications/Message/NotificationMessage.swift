import Foundation

/// What one notification says: an alert or incident that fired or resolved, ready to be rendered for
/// any channel.
///
/// The type is not called `Notification` so that it never clashes with Foundation's `Notification`
/// in files that import both modules.
public struct NotificationMessage: Sendable, Hashable, Codable {
    /// How urgent the event is.
    public enum Severity: String, Sendable, Hashable, Codable, CaseIterable {
        /// Worth knowing; nothing is broken.
        case info
        /// Degraded or about to break.
        case warning
        /// Broken now; customers are affected.
        case critical
    }

    /// Whether the event starts or ends.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// The condition holds.
        case firing
        /// The condition cleared.
        case resolved
    }

    /// The language of the user-facing text.
    public enum Language: String, Sendable, Hashable, Codable, CaseIterable {
        /// Brazilian Portuguese, the default of the platform.
        case ptBR = "pt-BR"
        /// English.
        case en
    }

    /// Identifies this notification (one event for one route). Retries of its delivery reuse it: it
    /// is the webhook's `Idempotency-Key` and part of the e-mail's `Message-ID`.
    public var id: UUID
    /// A one-line summary, e.g. "OLT-CENTRO fora do ar".
    public var title: String
    /// Plain text with the details; line breaks are kept.
    public var body: String
    /// How urgent it is.
    public var severity: Severity
    /// Firing or resolved.
    public var status: Status
    /// The alert this is about, if any.
    public var alertID: UUID?
    /// The incident this is about, if any.
    public var incidentID: UUID?
    /// Labels of the alert (`pop`, `device`, `rule`…), shown sorted by name.
    public var labels: [String: String]
    /// A link to the alert or incident in the dashboard (http or https only; others are not shown).
    public var url: URL?
    /// The language of the rendered text.
    public var language: Language
    /// When the event happened.
    public var occurredAt: Date

    // camelCase keys without acronyms, so OctoJSON's snake_case conversion round-trips them.
    private enum CodingKeys: String, CodingKey {
        case id, title, body, severity, status, alertID = "alertId", incidentID = "incidentId", labels, url, language, occurredAt
    }

    /// Creates a notification.
    public init(id: UUID = UUID(), title: String, body: String, severity: Severity, status: Status,
                alertID: UUID? = nil, incidentID: UUID? = nil, labels: [String: String] = [:], url: URL? = nil,
                language: Language = .ptBR, occurredAt: Date) {
        self.id = id
        self.title = title
        self.body = body
        self.severity = severity
        self.status = status
        self.alertID = alertID
        self.incidentID = incidentID
        self.labels = labels
        self.url = url
        self.language = language
        self.occurredAt = occurredAt
    }

    /// `url` when it is an http or https URL: the only links a notification ever shows.
    public var safeURL: URL? {
        guard let url, let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil else {
            return nil
        }
        return url
    }
}
