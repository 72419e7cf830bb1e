import Foundation
import OctoAuth
import OctoCore
import OctoStore
import OctoTestSupport
import Testing

/// Sign-in, token rotation and reuse detection, throttling, expiry, tampering and TOTP on the real database.
@Suite struct AuthTests {
    let client = ClientInfo(ip: "127.0.0.9", userAgent: "tests", requestId: "t-1")

    func code(_ error: any Error) -> OctoError.Code? { (error as? OctoError)?.code }

    @Test func loginIssuesTokensThatResolveToThePrincipal() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            let user = try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let pair = try await stack.auth.login(email: "NOC@alfa.test", password: "correct horse battery", totpCode: nil, client: client)
            let principal = try await stack.auth.principal(accessToken: pair.accessToken)
            #expect(principal.id == user.id)
            #expect(principal.providerID == provider.id)
            #expect(principal.permissions == PredefinedRole.noc.permissions)
            let audit = try await stack.database.withTenant(provider.id) { tx in try await tx.auditLog.list(AuditFilter(action: "auth."), page: PageRequest()) }
            #expect(audit.items.map(\.action) == ["auth.login"])
            #expect(audit.items.first?.ip == "127.0.0.9")
        }
    }

    @Test func wrongPasswordAndUnknownAccountLookTheSame() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let wrong = await #expect(throws: OctoError.self) {
                try await stack.auth.login(email: "noc@alfa.test", password: "not the password", totpCode: nil, client: client)
            }
            let unknown = await #expect(throws: OctoError.self) {
                try await stack.auth.login(email: "ghost@alfa.test", password: "whatever1234", totpCode: nil, client: client)
            }
            #expect(wrong?.code == .unauthenticated)
            #expect(wrong?.message == unknown?.message)
        }
    }

    @Test func accountIsLockedAfterRepeatedFailuresEvenWithTheRightPassword() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            for _ in 0..<5 {
                _ = try? await stack.auth.login(email: "noc@alfa.test", password: "bad password!", totpCode: nil, client: client)
            }
            let error = await #expect(throws: OctoError.self) {
                try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: nil, client: client)
            }
            #expect(error?.code == .throttled)
            #expect((error?.retryAfter ?? 0) > 0)
            // Another account from another address is not affected.
            try await stack.makeUser("viewer@alfa.test", role: .viewer, provider: provider.id)
            _ = try await stack.auth.login(email: "viewer@alfa.test", password: "correct horse battery", totpCode: nil,
                                           client: ClientInfo(ip: "127.0.0.10"))
        }
    }

    @Test func addressIsLockedAfterFailuresAcrossAccounts() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let attacker = ClientInfo(ip: "127.0.0.66")
            for index in 0..<20 {
                _ = try? await stack.auth.login(email: "user\(index)@alfa.test", password: "guess-guess", totpCode: nil, client: attacker)
            }
            let error = await #expect(throws: OctoError.self) {
                try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: nil, client: attacker)
            }
            #expect(error?.code == .throttled)
        }
    }

    @Test func refreshRotatesAndReuseRevokesTheFamily() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let first = try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: nil, client: client)
            let second = try await stack.auth.refresh(first.refreshToken, client: client)
            #expect(second.refreshToken != first.refreshToken)
            // The rotated token comes back: someone copied it. Both it and its successor stop working.
            let reuse = await #expect(throws: OctoError.self) { try await stack.auth.refresh(first.refreshToken, client: client) }
            #expect(reuse?.code == .unauthenticated)
            let successor = await #expect(throws: OctoError.self) { try await stack.auth.refresh(second.refreshToken, client: client) }
            #expect(successor?.code == .unauthenticated)
            let audit = try await stack.database.withTenant(provider.id) { tx in try await tx.auditLog.list(AuditFilter(action: "auth.refresh_reuse"), page: PageRequest()) }
            #expect(audit.total == 1)
        }
    }

    @Test func logoutEndsTheSignIn() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let pair = try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: nil, client: client)
            try await stack.auth.logout(pair.refreshToken, client: client)
            await #expect(throws: OctoError.self) { try await stack.auth.refresh(pair.refreshToken, client: client) }
        }
    }

    @Test func accessTokensExpireAndTamperedOnesAreRefused() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let pair = try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: nil, client: client)
            var parts = pair.accessToken.split(separator: ".").map(String.init)
            // Swap the payload for one naming another provider; the signature no longer matches.
            let forged = #"{"sub":"00000000-0000-0000-0000-000000000001","iss":"octoisp","iat":1,"exp":99999999999,"jti":"x"}"#
            parts[1] = Data(forged.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            let tampered = await #expect(throws: OctoError.self) { try await stack.auth.principal(accessToken: parts.joined(separator: ".")) }
            #expect(tampered?.code == .unauthenticated)
            stack.clock.advance(by: 16 * 60)
            let expired = await #expect(throws: OctoError.self) { try await stack.auth.principal(accessToken: pair.accessToken) }
            #expect(expired?.message.contains("expired") == true)
        }
    }

    @Test func disabledUsersLoseAccessAtOnce() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            let user = try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let pair = try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: nil, client: client)
            let change = try await stack.auth.prepareChange(of: user.id, UserInput(status: .disabled))
            _ = try await stack.database.withTenant(provider.id) { tx in
                try await stack.auth.updateUser(user.id, change, in: tx, by: .system)
            }
            await #expect(throws: OctoError.self) { try await stack.auth.principal(accessToken: pair.accessToken) }
            await #expect(throws: OctoError.self) { try await stack.auth.refresh(pair.refreshToken, client: client) }
        }
    }

    @Test func totpBecomesRequiredOnceEnabled() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let pair = try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: nil, client: client)
            let principal = try await stack.auth.principal(accessToken: pair.accessToken)
            let setup = try await stack.auth.beginTOTP(for: principal)
            #expect(setup.uri.hasPrefix("otpauth://totp/"))
            let totp = TOTP(secret: try #require(Base32.decode(setup.secret)))
            await #expect(throws: OctoError.self) {
                try await stack.auth.confirmTOTP(for: principal, code: "000000" == totp.code(at: stack.clock.now) ? "111111" : "000000",
                                                 password: "correct horse battery", enable: true, client: client)
            }
            // Turning it on needs the current password as well as a code.
            let noPassword = await #expect(throws: OctoError.self) {
                try await stack.auth.confirmTOTP(for: principal, code: totp.code(at: stack.clock.now), password: nil, enable: true, client: client)
            }
            #expect(noPassword?.field == "current_password")
            let wrongPassword = await #expect(throws: OctoError.self) {
                try await stack.auth.confirmTOTP(for: principal, code: totp.code(at: stack.clock.now), password: "not my password", enable: true, client: client)
            }
            #expect(wrongPassword?.field == "current_password")
            try await stack.auth.confirmTOTP(for: principal, code: totp.code(at: stack.clock.now), password: "correct horse battery", enable: true, client: client)
            // The code that turned it on is spent: it does not sign in within its window.
            let reused = await #expect(throws: OctoError.self) {
                try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: totp.code(at: stack.clock.now), client: client)
            }
            #expect(reused?.code == .unauthenticated)
            stack.clock.advance(by: 30)

            let missing = await #expect(throws: OctoError.self) {
                try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: nil, client: client)
            }
            #expect(missing?.code == .totpRequired)
            let wrong = await #expect(throws: OctoError.self) {
                try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: "12345a", client: client)
            }
            #expect(wrong?.code == .unauthenticated)
            let code = totp.code(at: stack.clock.now)
            _ = try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: code, client: client)
            // A code accepted once is refused again within its window, from anywhere.
            stack.clock.advance(by: 10)
            let replay = await #expect(throws: OctoError.self) {
                try await stack.auth.login(email: "noc@alfa.test", password: "correct horse battery", totpCode: code, client: ClientInfo(ip: "127.0.0.77"))
            }
            #expect(replay?.code == .unauthenticated)
            // The secret is stored sealed, never in clear.
            let stored = try await stack.database.withTenant(provider.id) { tx in try await tx.users.credentials(principal.id)?.totpSecret }
            #expect(stored?.hasPrefix("v1.") == true)
            #expect(stored?.contains(setup.secret) == false)
        }
    }

    @Test func apiKeysAuthenticateUntilRevoked() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            let created = try await stack.database.withTenant(provider.id) { tx in
                try await stack.auth.createApiKey(ApiKeyInput(name: "ERP", roleKey: "noc"), in: tx, by: .system)
            }
            let principal = try await stack.auth.principal(apiKey: created.secret)
            #expect(principal.kind == .apiKey)
            #expect(principal.providerID == provider.id)
            let tamperedSecret = String(created.secret.dropLast()) + (created.secret.hasSuffix("A") ? "B" : "A")
            await #expect(throws: OctoError.self) { try await stack.auth.principal(apiKey: tamperedSecret) }
            try await stack.database.withTenant(provider.id) { tx in try await tx.apiKeys.revoke(created.key.id, by: .system) }
            await #expect(throws: OctoError.self) { try await stack.auth.principal(apiKey: created.secret) }
        }
    }

    @Test func bootstrapCreatesOneGlobalAdminOnly() async throws {
        try await TestDatabase.with { stack in
            let first = try await stack.auth.bootstrapAdmin(email: "root@octoisp.test", password: nil)
            #expect(first.created)
            let password = try #require(first.generatedPassword)
            #expect(password.count >= 16)
            let again = try await stack.auth.bootstrapAdmin(email: "other@octoisp.test", password: "something-long")
            #expect(!again.created)
            let pair = try await stack.auth.login(email: "root@octoisp.test", password: password, totpCode: nil, client: client)
            #expect(try await stack.auth.principal(accessToken: pair.accessToken).isGlobalAdmin)
        }
    }
}
