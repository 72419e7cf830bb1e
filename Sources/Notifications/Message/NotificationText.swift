/// The user-facing words of a notification in each supported language.
struct NotificationText: Sendable {
    var severity: [NotificationMessage.Severity: String]
    var firing: String
    var resolved: String
    var severityLabel: String
    var statusLabel: String
    var timeLabel: String
    var labelsLabel: String
    var alertLabel: String
    var incidentLabel: String
    var open: String
    var footer: String

    static func of(_ language: NotificationMessage.Language) -> NotificationText {
        switch language {
        case .ptBR:
            return NotificationText(
                severity: [.info: "Informativo", .warning: "Aviso", .critical: "Crítico"],
                firing: "Disparado", resolved: "Resolvido",
                severityLabel: "Severidade", statusLabel: "Situação", timeLabel: "Horário (UTC)",
                labelsLabel: "Rótulos", alertLabel: "Alerta", incidentLabel: "Incidente",
                open: "Abrir no OctoISP",
                footer: "Enviado pelo OctoISP. Você recebe esta mensagem porque este canal está nas rotas de alertas do seu provedor.")
        case .en:
            return NotificationText(
                severity: [.info: "Info", .warning: "Warning", .critical: "Critical"],
                firing: "Firing", resolved: "Resolved",
                severityLabel: "Severity", statusLabel: "Status", timeLabel: "Time (UTC)",
                labelsLabel: "Labels", alertLabel: "Alert", incidentLabel: "Incident",
                open: "Open in OctoISP",
                footer: "Sent by OctoISP. You receive this message because this channel is in your provider's alert routes.")
        }
    }

    func severityName(_ severity: NotificationMessage.Severity) -> String { self.severity[severity] ?? severity.rawValue }

    func statusName(_ status: NotificationMessage.Status) -> String { status == .firing ? firing : resolved }
}
