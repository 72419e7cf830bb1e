import Foundation

/// A notification rendered for people: a subject line, a plain-text body and an HTML body.
public struct RenderedNotification: Sendable, Hashable {
    /// One line, e.g. "[CRÍTICO] OLT-CENTRO fora do ar" or "[RESOLVIDO] OLT-CENTRO fora do ar".
    public var subject: String
    /// Plain text with `\n` line breaks.
    public var text: String
    /// A complete HTML document; every value from the notification is escaped.
    public var html: String
}

/// Renders a ``NotificationMessage`` in its language (pt-BR or en) for e-mail, Telegram and Web Push.
public enum NotificationRenderer {
    /// Subject, plain text and HTML.
    public static func render(_ message: NotificationMessage) -> RenderedNotification {
        RenderedNotification(subject: subject(message), text: text(message), html: html(message))
    }

    /// The subject line: the severity while firing, "resolved" once it cleared, then the title.
    public static func subject(_ message: NotificationMessage) -> String {
        let words = NotificationText.of(message.language)
        let tag = message.status == .firing ? words.severityName(message.severity) : words.resolved
        return "[\(tag.uppercased(with: locale(message.language)))] \(singleLine(message.title))"
    }

    /// The plain-text body.
    public static func text(_ message: NotificationMessage) -> String {
        let words = NotificationText.of(message.language)
        var lines = [singleLine(message.title), ""]
        lines.append("\(words.severityLabel): \(words.severityName(message.severity))")
        lines.append("\(words.statusLabel): \(words.statusName(message.status))")
        lines.append("\(words.timeLabel): \(timestamp(message.occurredAt))")
        if !message.body.isEmpty {
            lines.append("")
            lines.append(contentsOf: normalizedLines(message.body))
        }
        let labels = sortedLabels(message)
        if !labels.isEmpty {
            lines.append("")
            lines.append("\(words.labelsLabel):")
            for (name, value) in labels { lines.append("  \(name) = \(value)") }
        }
        if message.alertID != nil || message.incidentID != nil { lines.append("") }
        if let id = message.alertID { lines.append("\(words.alertLabel): \(id.uuidString.lowercased())") }
        if let id = message.incidentID { lines.append("\(words.incidentLabel): \(id.uuidString.lowercased())") }
        if let url = message.safeURL {
            lines.append("")
            lines.append("\(words.open): \(url.absoluteString)")
        }
        lines.append("")
        lines.append("-- ")
        lines.append(words.footer)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The HTML document: a small table with inline styles, as mail clients need.
    public static func html(_ message: NotificationMessage) -> String {
        let words = NotificationText.of(message.language)
        let color = color(message)
        var rows = [
            row(words.severityLabel, escape(words.severityName(message.severity))),
            row(words.statusLabel, escape(words.statusName(message.status))),
            row(words.timeLabel, escape(timestamp(message.occurredAt))),
        ]
        let labels = sortedLabels(message)
        if !labels.isEmpty {
            let items = labels.map { "<code>\(escape($0.0))</code> = \(escape($0.1))" }.joined(separator: "<br>")
            rows.append(row(words.labelsLabel, items))
        }
        if let id = message.alertID { rows.append(row(words.alertLabel, "<code>\(id.uuidString.lowercased())</code>")) }
        if let id = message.incidentID { rows.append(row(words.incidentLabel, "<code>\(id.uuidString.lowercased())</code>")) }
        var html = """
        <!DOCTYPE html>
        <html lang="\(message.language.rawValue)">
        <head><meta charset="utf-8"><title>\(escape(subject(message)))</title></head>
        <body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;margin:0;padding:16px">
        <div style="border-left:6px solid \(color);padding:8px 16px">
        <h2 style="margin:0 0 8px 0">\(escape(singleLine(message.title)))</h2>

        """
        if !message.body.isEmpty {
            html += "<p>" + normalizedLines(message.body).map(escape).joined(separator: "<br>\n") + "</p>\n"
        }
        html += "<table style=\"border-collapse:collapse\">\n" + rows.joined(separator: "\n") + "\n</table>\n"
        if let url = message.safeURL {
            html += "<p><a href=\"\(escape(url.absoluteString))\">\(escape(words.open))</a></p>\n"
        }
        html += "</div>\n<p style=\"color:#7b8794;font-size:12px\">\(escape(words.footer))</p>\n</body>\n</html>\n"
        return html
    }

    /// The message for Telegram's `parse_mode: "HTML"`: only the tags Telegram accepts (`b`, `code`,
    /// `a`), every value escaped.
    public static func telegramHTML(_ message: NotificationMessage) -> String {
        let words = NotificationText.of(message.language)
        let mark: String
        switch (message.status, message.severity) {
        case (.resolved, _): mark = "✅"
        case (.firing, .critical): mark = "🔴"
        case (.firing, .warning): mark = "🟠"
        case (.firing, .info): mark = "🔵"
        }
        var lines = ["\(mark) <b>\(escape(subject(message)))</b>"]
        if !message.body.isEmpty { lines.append(contentsOf: normalizedLines(message.body).map(escape)) }
        lines.append("")
        lines.append("\(escape(words.severityLabel)): \(escape(words.severityName(message.severity)))")
        lines.append("\(escape(words.timeLabel)): \(escape(timestamp(message.occurredAt)))")
        for (name, value) in sortedLabels(message) { lines.append("<code>\(escape(name))</code> = \(escape(value))") }
        if let url = message.safeURL { lines.append("<a href=\"\(escape(url.absoluteString))\">\(escape(words.open))</a>") }
        return lines.joined(separator: "\n")
    }

    /// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// `2026-12-05 14:03:07`, in UTC.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    static func sortedLabels(_ message: NotificationMessage) -> [(String, String)] {
        message.labels.sorted { $0.key < $1.key }.map { ($0.key, singleLine($0.value)) }
    }

    /// Line breaks and other control characters become spaces: for subjects and header-like values.
    static func singleLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
            .trimmingCharacters(in: .whitespaces)
    }

    static func normalizedLines(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func locale(_ language: NotificationMessage.Language) -> Locale {
        Locale(identifier: language == .ptBR ? "pt_BR" : "en_US")
    }

    private static func color(_ message: NotificationMessage) -> String {
        if message.status == .resolved { return "#2f9e44" }
        switch message.severity {
        case .critical: return "#e03131"
        case .warning: return "#f08c00"
        case .info: return "#1971c2"
        }
    }

    private static func row(_ name: String, _ valueHTML: String) -> String {
        "<tr><th style=\"text-align:left;padding:2px 12px 2px 0;vertical-align:top\">\(escape(name))</th>"
            + "<td style=\"padding:2px 0\">\(valueHTML)</td></tr>"
    }
}
