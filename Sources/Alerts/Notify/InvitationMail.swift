import Foundation
import Notifications
import OctoCore
import OctoStore

extension AlertNotifier {
    /// E-mails `user` the link of a new invitation through the provider's e-mail channel `channelId`,
    /// in the user's language, inside the caller's transaction: when the SMTP server refuses, the
    /// caller's transaction fails and nothing of the invitation stays. `dashboard` is the address the
    /// link points at when no public URL is configured.
    public func sendInvitation(_ issued: IssuedInvitationMail, to user: User, via channelId: UUID, dashboard: URL, in tx: Transaction) async throws {
        let channel: NotificationChannelRecord
        do {
            channel = try await tx.notificationChannels.get(channelId, secrets: secrets)
        } catch let error as OctoError where error.code == .notFound {
            throw OctoError.invalid("invite_via_channel_id", "no notification channel \(channelId.lowercased) in this provider")
        }
        guard case .email(let settings) = channel.channel, channel.ownerUserId == nil else {
            throw OctoError.invalid("invite_via_channel_id", "invite_via_channel_id must be one of the provider's e-mail channels")
        }
        guard let providerID = tx.providerID else {
            throw OctoError.invalid("invite_via_channel_id", "invitations are sent to a provider's users; create Global Admins with a password")
        }
        let provider = try await tx.providers.get(providerID)
        let link = InvitationText.link(base: publicURL ?? dashboard, token: issued.token)
        let text = InvitationText(language: user.locale == .en ? .en : .ptBR, name: user.name, provider: provider.name, link: link,
                                  expiresAt: issued.expiresAt)
        let domain = settings.fromAddress.split(separator: "@").last.map(String.init) ?? "octoisp.invalid"
        do throws(SMTPError) {
            let message = MailMessage(from: try MailAddress(settings.fromAddress, name: settings.fromName), to: [try MailAddress(user.email, name: user.name)],
                                      subject: text.subject, text: text.plain, html: text.html, date: database.clock.now,
                                      messageID: "invitation-\(issued.invitationId.lowercased)@\(domain)",
                                      headers: ["X-OctoISP-Invitation": user.id.lowercased])
            _ = try await SMTPClient(settings.smtp).send(message)
        } catch {
            throw OctoError(.unavailable, "the invitation could not be sent through \(channel.name): \(error.description); nothing was saved")
        }
    }
}

/// What ``AlertNotifier/sendInvitation(_:to:via:dashboard:in:)`` needs of a new invitation.
public struct IssuedInvitationMail: Sendable {
    /// The link's secret.
    public var token: String
    /// The stored invitation's id (the e-mail's Message-ID).
    public var invitationId: UUID
    /// When the link stops working.
    public var expiresAt: Date

    /// Creates the value.
    public init(token: String, invitationId: UUID, expiresAt: Date) {
        self.token = token
        self.invitationId = invitationId
        self.expiresAt = expiresAt
    }
}

/// The invitation e-mail's words, in pt-BR or English.
struct InvitationText {
    let language: NotificationMessage.Language
    let name: String
    let provider: String
    let link: URL
    let expiresAt: Date

    /// `<dashboard>/invite#<token>`: the token travels in the fragment, which browsers never send to a
    /// server or in a Referer header.
    static func link(base: URL, token: String) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: "\(text)/invite#\(token)") ?? base
    }

    var pt: Bool { language == .ptBR }

    var subject: String { pt ? "Convite para o OctoISP — \(provider)" : "Invitation to OctoISP — \(provider)" }

    var expiry: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: pt ? "pt_BR" : "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "America/Sao_Paulo")
        formatter.dateFormat = pt ? "dd/MM/yyyy 'às' HH:mm" : "yyyy-MM-dd HH:mm"
        return formatter.string(from: expiresAt) + (pt ? " (horário de Brasília)" : " (Brasília time)")
    }

    var plain: String {
        let greeting = name.isEmpty ? (pt ? "Olá," : "Hello,") : (pt ? "Olá, \(name)," : "Hello \(name),")
        let lines = pt ? [
            greeting, "",
            "você foi convidado(a) para o OctoISP de \(provider).",
            "Para escolher sua senha e ativar sua conta, abra:", "",
            link.absoluteString, "",
            "O link vale até \(expiry) e funciona uma vez.",
            "Se você não esperava este convite, ignore este e-mail.",
        ] : [
            greeting, "",
            "you have been invited to \(provider)'s OctoISP.",
            "To choose your password and activate your account, open:", "",
            link.absoluteString, "",
            "The link works once, until \(expiry).",
            "If you did not expect this invitation, ignore this e-mail.",
        ]
        return (lines + ["", "-- ", "OctoISP"]).joined(separator: "\n") + "\n"
    }

    var html: String {
        let e = NotificationRenderer.escape
        let greeting = name.isEmpty ? (pt ? "Olá," : "Hello,") : (pt ? "Olá, \(e(name))," : "Hello \(e(name)),")
        let body = pt
            ? "<p>você foi convidado(a) para o OctoISP de <strong>\(e(provider))</strong>.</p>"
            : "<p>you have been invited to <strong>\(e(provider))</strong>'s OctoISP.</p>"
        let button = pt ? "Escolher minha senha" : "Choose my password"
        let note = pt ? "O link vale até \(e(expiry)) e funciona uma vez. Se você não esperava este convite, ignore este e-mail."
                      : "The link works once, until \(e(expiry)). If you did not expect this invitation, ignore this e-mail."
        return """
        <!DOCTYPE html>
        <html lang="\(language.rawValue)">
        <head><meta charset="utf-8"><title>\(e(subject))</title></head>
        <body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;margin:0;padding:16px">
        <p>\(greeting)</p>
        \(body)
        <p><a href="\(e(link.absoluteString))" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none">\(e(button))</a></p>
        <p style="font-size:13px">\(e(link.absoluteString))</p>
        <p style="color:#52606d;font-size:13px">\(note)</p>
        <p style="color:#7b8794;font-size:12px">OctoISP</p>
        </body>
        </html>

        """
    }
}
