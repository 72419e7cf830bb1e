import Foundation
import HTTPTypes
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// Users invited by e-mail: the invitation goes out through the provider's e-mail channel to the test
/// SMTP server (scripts/peers/smtp.sh), the person chooses a password from the link once, and every
/// refusal changes nothing.
@Suite(.serialized) struct InvitationTests {
    static func peer(_ name: String) throws -> String {
        try #require(ProcessInfo.processInfo.environment[name], "\(name) is not set: run the tests through scripts/test.sh (scripts/peers/smtp.sh)")
    }

    /// An e-mail channel on the test SMTP server (STARTTLS on the test's certificate, AUTH), or on `port`.
    static func channelJSON(name: String = "E-mail Alfa", port: Int? = nil) throws -> String {
        let pem = try String(contentsOfFile: try peer("OCTOISP_TEST_SMTP_CERT"), encoding: .utf8)
        let settings: [String: Any] = [
            "host": try peer("OCTOISP_TEST_SMTP_HOST"), "port": try port ?? Int(try peer("OCTOISP_TEST_SMTP_PORT"))!,
            "trusted_certificate_pem": pem, "username": try peer("OCTOISP_TEST_SMTP_USER"), "password": try peer("OCTOISP_TEST_SMTP_PASSWORD"),
            "from_address": "convites@alfa.test", "from_name": "Alfa Internet", "recipients": ["noc@alfa.test"], "timeout_seconds": 5,
        ]
        let body: [String: Any] = ["name": name, "channel": ["type": "email", "settings": settings]]
        return String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
    }

    /// The plain-text parts of the mails the SMTP server decoded for `address`, oldest first.
    static func mails(to address: String) throws -> [String] {
        let directory = URL(fileURLWithPath: try peer("OCTOISP_TEST_SMTP_DECODED"))
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.contentModificationDateKey])
            .filter { $0.pathExtension == "json" }
            .sorted { (try? $0.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate ?? .distantPast) ?? .distantPast
                    < (try? $1.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate ?? .distantPast) ?? .distantPast }
        return try files.compactMap { file in
            guard let mail = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any],
                  (mail["rcpt_tos"] as? [String]) == [address], let parts = mail["parts"] as? [String: String] else { return nil }
            return "Subject: \(mail["subject"] as? String ?? "")\n" + (parts["text/plain"] ?? "") + (parts["text/html"] ?? "")
        }
    }

    /// The token of the invitation link to `base` in `mail`.
    static func token(in mail: String, base: String) throws -> String {
        let marker = "\(base)/invite#"
        let start = try #require(mail.range(of: marker), "no link to \(marker) in:\n\(mail)")
        return String(mail[start.upperBound...].prefix { !$0.isWhitespace && $0 != "\"" && $0 != "<" })
    }

    @Test func anInvitedUserChoosesTheirPasswordFromTheEmailedLinkOnce() async throws {
        let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
        try await APIHarness.with(configure: ContractTests.unlimited, secrets: secrets) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let admin = try await harness.login("admin@alfa.test")
            let channel = try await harness.call(.post, "/api/v1/notification-channels", token: admin, json: try Self.channelJSON())
            #expect(channel.status == .created, "\(String(describing: channel.json))")
            let channelID = try #require(channel.string("id"))
            let address = "nova.\(UUID().lowercased.prefix(8))@alfa.test"
            let origin: HTTPFields = [.origin: "http://painel.alfa.test:8080"]
            let created = try await harness.call(.post, "/api/v1/users", token: admin, json: """
                {"email": "\(address)", "name": "Nova Técnica", "role_key": "noc", "invite_via_channel_id": "\(channelID)"}
                """, headers: origin)
            #expect(created.status == .created, "\(String(describing: created.json))")
            #expect(created.string("status") == "invited")
            let userID = try #require(created.string("id"))

            // The mail: in pt-BR, from the channel's sender, with a link to the dashboard that asked.
            let mail = try #require(try Self.mails(to: address).last)
            #expect(mail.contains("Subject: Convite para o OctoISP — Alfa"), "\(mail)")
            #expect(mail.contains("Olá, Nova Técnica"))
            let token = try Self.token(in: mail, base: "http://painel.alfa.test:8080")
            #expect(token.count >= 40)

            // Until accepted, no password signs in, not even an empty one.
            for guess in ["", "correct horse battery"] {
                let login = try await harness.call(.post, "/api/v1/auth/login", json: #"{"email": "\#(address)", "password": "\#(guess)"}"#)
                #expect(login.status == .unauthorized)
            }
            // The invitation page's lookup.
            let details = try await harness.call(.post, "/api/v1/auth/invitation", json: #"{"token": "\#(token)"}"#)
            #expect(details.status == .ok)
            #expect(details.string("email") == address && details.string("name") == "Nova Técnica" && details.string("provider_name") == "Alfa")
            #expect(try await harness.call(.post, "/api/v1/auth/invitation", json: #"{"token": "\#(token)x"}"#).status == .notFound)

            // A short password is refused and changes nothing.
            let short = try await harness.call(.post, "/api/v1/auth/invitation/accept", json: #"{"token": "\#(token)", "password": "curta"}"#)
            #expect(short.status == .badRequest && short.errorField == "password")
            #expect(try await harness.call(.get, "/api/v1/users/\(userID)", token: admin).string("status") == "invited")

            let accepted = try await harness.call(.post, "/api/v1/auth/invitation/accept", json: #"{"token": "\#(token)", "password": "minha senha nova 2026"}"#)
            #expect(accepted.status == .ok, "\(String(describing: accepted.json))")
            #expect(accepted.string("email") == address)
            _ = try await harness.login(address, password: "minha senha nova 2026")
            #expect(try await harness.call(.get, "/api/v1/users/\(userID)", token: admin).string("status") == "active")

            // The link works once.
            let again = try await harness.call(.post, "/api/v1/auth/invitation/accept", json: #"{"token": "\#(token)", "password": "another password 2026"}"#)
            #expect(again.status == .notFound)
            #expect(try await harness.call(.post, "/api/v1/auth/invitation", json: #"{"token": "\#(token)"}"#).status == .notFound)
            _ = try await harness.login(address, password: "minha senha nova 2026")
            // Nothing left to invite to.
            let resend = try await harness.call(.post, "/api/v1/users/\(userID)/invitation", token: admin, json: #"{"via_channel_id": "\#(channelID)"}"#)
            #expect(resend.status == .conflict)

            // Audited: who invited, and the acceptance by the person.
            let audit = try await harness.call(.get, "/api/v1/audit?target_id=\(userID)&limit=50", token: admin)
            #expect(audit.status == .ok, "\(String(describing: audit.json))")
            let entries = audit.items.compactMap { entry -> (String, String)? in
                guard case .object(let o) = entry, case .string(let action)? = o["action"], action.hasPrefix("user."),
                      case .string(let actor)? = o["actor_label"] else { return nil }
                return (action, actor)
            }
            #expect(entries.map(\.0).sorted() == ["user.create", "user.invitation_accepted", "user.invite", "user.update"], "\(entries)")
            #expect(entries.contains { $0 == ("user.invite", "admin@alfa.test") } && entries.contains { $0 == ("user.invitation_accepted", address) })
        }
    }

    @Test func aNewInvitationVoidsTheEarlierLinkAndLinksExpire() async throws {
        let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
        try await APIHarness.with(configure: ContractTests.unlimited, secrets: secrets) { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let admin = try await harness.login("admin@alfa.test")
            let channelID = try #require(try await harness.call(.post, "/api/v1/notification-channels", token: admin, json: try Self.channelJSON()).string("id"))
            let address = "campo.\(UUID().lowercased.prefix(8))@alfa.test"
            let created = try await harness.call(.post, "/api/v1/users", token: admin, json: """
                {"email": "\(address)", "name": "Field", "locale": "en", "invite_via_channel_id": "\(channelID)"}
                """)
            #expect(created.status == .created)
            let userID = try #require(created.string("id"))
            let firstMail = try #require(try Self.mails(to: address).last)
            // English for a user whose language is English; without an Origin the link goes to the
            // address the request was sent to.
            #expect(firstMail.contains("Subject: Invitation to OctoISP — Alfa"), "\(firstMail)")
            #expect(firstMail.contains("Hello Field,"))
            let base = try #require(firstMail.range(of: #"http://[^/\s]+"#, options: .regularExpression).map { String(firstMail[$0]) })
            let oldToken = try Self.token(in: firstMail, base: base)

            let resent = try await harness.call(.post, "/api/v1/users/\(userID)/invitation", token: admin, json: #"{"via_channel_id": "\#(channelID)"}"#)
            #expect(resent.status == .created, "\(String(describing: resent.json))")
            #expect(resent.string("sent_to") == address)
            let mails = try Self.mails(to: address)
            #expect(mails.count == 2)
            let newToken = try Self.token(in: try #require(mails.last), base: base)
            #expect(newToken != oldToken)
            #expect(try await harness.call(.post, "/api/v1/auth/invitation", json: #"{"token": "\#(oldToken)"}"#).status == .notFound)
            #expect(try await harness.call(.post, "/api/v1/auth/invitation", json: #"{"token": "\#(newToken)"}"#).status == .ok)

            // 72 hours later the link no longer works.
            harness.stack.clock.advance(by: 72 * 3600 + 1)
            let late = try await harness.call(.post, "/api/v1/auth/invitation/accept", json: #"{"token": "\#(newToken)", "password": "too late password"}"#)
            #expect(late.status == .notFound)
            let later = try await harness.login("admin@alfa.test")
            #expect(try await harness.call(.get, "/api/v1/users/\(userID)", token: later).string("status") == "invited")
        }
    }

    @Test func refusedInvitationsChangeNothing() async throws {
        let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
        try await APIHarness.with(configure: ContractTests.unlimited, secrets: secrets) { harness in
            let alfa = try await harness.stack.makeProvider("alfa")
            let beta = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: alfa.id)
            try await harness.stack.makeUser("admin@beta.test", role: .providerAdmin, provider: beta.id)
            try await harness.stack.makeUser("root@platform.test", role: .globalAdmin, provider: nil)
            let admin = try await harness.login("admin@alfa.test")
            let other = try await harness.login("admin@beta.test")
            let root = try await harness.login("root@platform.test")
            let good = try #require(try await harness.call(.post, "/api/v1/notification-channels", token: admin, json: try Self.channelJSON()).string("id"))
            let closed = TestEnvironment.freeTCPPort()
            let dead = try #require(try await harness.call(.post, "/api/v1/notification-channels", token: admin, json: try Self.channelJSON(name: "E-mail fora do ar", port: closed)).string("id"))
            let betaChannel = try #require(try await harness.call(.post, "/api/v1/notification-channels", token: other, json: try Self.channelJSON()).string("id"))
            let count = { try await harness.call(.get, "/api/v1/users", token: admin).items.count }
            let before = try await count()

            // The SMTP server cannot be reached: 503 naming the channel, and no user.
            let unsent = try await harness.call(.post, "/api/v1/users", token: admin, json: #"{"email": "x1@alfa.test", "invite_via_channel_id": "\#(dead)"}"#)
            #expect(unsent.status == .serviceUnavailable, "\(String(describing: unsent.json))")
            #expect("\(String(describing: unsent.json))".contains("E-mail fora do ar"), "the error names the channel")
            // Another provider's channel, both a password and an invitation, a status nobody sets.
            let foreign = try await harness.call(.post, "/api/v1/users", token: admin, json: #"{"email": "x2@alfa.test", "invite_via_channel_id": "\#(betaChannel)"}"#)
            #expect(foreign.status == .badRequest && foreign.errorField == "invite_via_channel_id")
            let both = try await harness.call(.post, "/api/v1/users", token: admin,
                                              json: #"{"email": "x3@alfa.test", "password": "correct horse battery", "invite_via_channel_id": "\#(good)"}"#)
            #expect(both.status == .badRequest && both.errorField == "password")
            let status = try await harness.call(.post, "/api/v1/users", token: admin, json: #"{"email": "x4@alfa.test", "password": "correct horse battery", "status": "invited"}"#)
            #expect(status.status == .badRequest && status.errorField == "status")
            #expect(try await count() == before)
            for address in ["x1@alfa.test", "x2@alfa.test", "x3@alfa.test"] { #expect(try Self.mails(to: address).isEmpty) }

            // Global Admins are created with a password: there is no provider channel to send through.
            let global = try await harness.call(.post, "/api/v1/users", token: root, json: #"{"email": "x5@platform.test", "invite_via_channel_id": "\#(good)"}"#)
            #expect(global.status == .badRequest && global.errorField == "invite_via_channel_id")

            // An invited user: nobody makes an active user invited, another provider cannot resend.
            let invited = try await harness.call(.post, "/api/v1/users", token: admin, json: #"{"email": "x6@alfa.test", "invite_via_channel_id": "\#(good)"}"#)
            #expect(invited.status == .created)
            let id = try #require(invited.string("id"))
            let patch = try await harness.call(.patch, "/api/v1/users/\(id)", token: admin, json: #"{"status": "invited"}"#)
            #expect(patch.status == .badRequest && patch.errorField == "status")
            let patchInvite = try await harness.call(.patch, "/api/v1/users/\(id)", token: admin, json: #"{"invite_via_channel_id": "\#(good)"}"#)
            #expect(patchInvite.status == .badRequest && patchInvite.errorField == "invite_via_channel_id")
            let stranger = try await harness.call(.post, "/api/v1/users/\(id)/invitation", token: other, json: #"{"via_channel_id": "\#(betaChannel)"}"#)
            #expect(stranger.status == .notFound)
            #expect(try Self.mails(to: "x6@alfa.test").count == 1)
            // Malformed tokens are a plain 404 or 400, never a 500.
            for token in ["", String(repeating: "a", count: 500), "../../etc", "%00"] {
                let lookup = try await harness.call(.post, "/api/v1/auth/invitation", json: #"{"token": "\#(token)"}"#)
                #expect(lookup.status == .notFound || lookup.status == .badRequest, "\(token): \(lookup.status)")
            }
        }
    }
}
