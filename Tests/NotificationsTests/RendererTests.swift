import Foundation
import Notifications
import Testing

@Suite struct RendererTests {
    @Test func portugueseFiringSubjectTextAndHTML() {
        let message = sampleMessage()
        let rendered = NotificationRenderer.render(message)
        #expect(rendered.subject == "[CRÍTICO] OLT-CENTRO fora do ar — Área São João")
        #expect(rendered.text.contains("Severidade: Crítico"))
        #expect(rendered.text.contains("Situação: Disparado"))
        #expect(rendered.text.contains("Horário (UTC): 2026-12-05 12:50:00"))
        #expect(rendered.text.contains("Rótulos:\n  device = OLT-CENTRO\n  pop = Centro\n  rule = reachability"))
        #expect(rendered.text.contains("Abrir no OctoISP: https://noc.provedor.example/alerts/42?x=1&y=2"))
        #expect(rendered.text.contains("Valor <script>alert(1)</script> & mais"))
        #expect(rendered.html.contains("<html lang=\"pt-BR\">"))
        #expect(rendered.html.contains("Valor &lt;script&gt;alert(1)&lt;/script&gt; &amp; mais"))
        #expect(!rendered.html.contains("<script>"))
        #expect(rendered.html.contains("<a href=\"https://noc.provedor.example/alerts/42?x=1&amp;y=2\">Abrir no OctoISP</a>"))
        #expect(rendered.html.contains("Área São João"))
    }

    @Test func englishAndResolved() {
        let firing = NotificationRenderer.render(sampleMessage(language: .en, severity: .warning))
        #expect(firing.subject == "[WARNING] OLT-CENTRO down — São João area")
        #expect(firing.text.contains("Severity: Warning"))
        #expect(firing.text.contains("Status: Firing"))
        #expect(firing.text.contains("Open in OctoISP: "))
        let resolved = NotificationRenderer.render(sampleMessage(language: .en, status: .resolved))
        #expect(resolved.subject.hasPrefix("[RESOLVED] "))
        #expect(resolved.text.contains("Status: Resolved"))
        let resolvidoPT = NotificationRenderer.render(sampleMessage(status: .resolved))
        #expect(resolvidoPT.subject.hasPrefix("[RESOLVIDO] "))
        #expect(resolvidoPT.text.contains("Situação: Resolvido"))
    }

    @Test(arguments: NotificationMessage.Severity.allCases)
    func everySeverityHasBothLanguages(severity: NotificationMessage.Severity) {
        let pt = NotificationRenderer.subject(sampleMessage(language: .ptBR, severity: severity))
        let en = NotificationRenderer.subject(sampleMessage(language: .en, severity: severity))
        let expected: [NotificationMessage.Severity: (String, String)] = [
            .info: ("[INFORMATIVO]", "[INFO]"), .warning: ("[AVISO]", "[WARNING]"), .critical: ("[CRÍTICO]", "[CRITICAL]"),
        ]
        #expect(pt.hasPrefix(expected[severity]!.0))
        #expect(en.hasPrefix(expected[severity]!.1))
    }

    @Test func unsafeLinksAndMarkupInTitlesAreNotRendered() {
        var message = sampleMessage()
        message.url = URL(string: "javascript:alert(1)")
        message.title = "<b>x</b>\r\nInjected: header"
        let rendered = NotificationRenderer.render(message)
        #expect(!rendered.html.contains("javascript:"))
        #expect(!rendered.text.contains("javascript:"))
        #expect(rendered.subject == "[CRÍTICO] <b>x</b>  Injected: header")
        #expect(rendered.html.contains("&lt;b&gt;x&lt;/b&gt;"))
        let telegram = NotificationRenderer.telegramHTML(message)
        #expect(telegram.hasPrefix("🔴 <b>[CRÍTICO] &lt;b&gt;x&lt;/b&gt;"))
        #expect(!telegram.contains("<a href"))
    }
}
