import Foundation
import HTTPTypes
import OctoAuth
import OctoCore
import OctoTestSupport
import Testing

/// Who may change whom through the API: nobody changes a user who holds permissions they do not,
/// and one's own password, e-mail or second factor needs the current password.
@Suite struct UserChangeTests {
    /// A role that administers users and reads what a Viewer reads, no more.
    static let userAdminPermissions = (PredefinedRole.viewer.permissions
        .union([Permission(.users, .read), Permission(.users, .write)])).map { "\"\($0.key)\"" }.joined(separator: ", ")

    @Test func userWriteCannotTouchAUserWhoHoldsMore() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            let adminUser = try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let viewerUser = try await harness.stack.makeUser("viewer@alfa.test", role: .viewer, provider: provider.id)
            let admin = try await harness.login("admin@alfa.test")
            let role = try await harness.call(.post, "/api/v1/roles", token: admin,
                                              json: #"{"key": "user_admin", "name": "User admin", "permissions": [\#(Self.userAdminPermissions)]}"#)
            #expect(role.status == .created)
            let created = try await harness.call(.post, "/api/v1/users", token: admin,
                                                 json: #"{"email": "ua@alfa.test", "password": "correct horse battery", "role_key": "user_admin"}"#)
            #expect(created.status == .created)
            let userAdmin = try await harness.login("ua@alfa.test")

            let target = "/api/v1/users/\(adminUser.id.lowercased)"
            for body in [#"{"password": "a new password 123"}"#, #"{"email": "mine@alfa.test"}"#,
                         #"{"role_key": "viewer"}"#, #"{"status": "disabled"}"#, #"{"name": "Renamed"}"#] {
                let response = try await harness.call(.patch, target, token: userAdmin, json: body)
                #expect(response.status == .forbidden, "\(body): \(response.status)")
                #expect(response.errorCode == "forbidden")
            }
            let delete = try await harness.call(.delete, target, token: userAdmin)
            #expect(delete.status == .forbidden)
            // Nothing changed: the Provider Admin signs in with the old password and keeps e-mail and role.
            _ = try await harness.login("admin@alfa.test")
            let after = try await harness.call(.get, target, token: admin)
            #expect(after.string("email") == "admin@alfa.test")
            #expect(after.string("role_key") == "provider_admin")
            #expect(after.string("status") == "active")
            #expect(after.string("name") == adminUser.name)

            // A user whose permissions the administrator holds can be changed.
            let viewer = try await harness.call(.patch, "/api/v1/users/\(viewerUser.id.lowercased)", token: userAdmin,
                                                json: #"{"password": "viewer's new password"}"#)
            #expect(viewer.status == .ok, "\(viewer.status) \(String(describing: viewer.json))")
            _ = try await harness.login("viewer@alfa.test", password: "viewer's new password")
        }
    }

    @Test func ownPasswordAndEmailNeedTheCurrentPassword() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            let user = try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let path = "/api/v1/users/\(user.id.lowercased)"
            let missing = try await harness.call(.patch, path, token: token, json: #"{"password": "stolen token password"}"#)
            #expect(missing.status == .badRequest)
            #expect(missing.errorField == "current_password")
            let wrong = try await harness.call(.patch, path, token: token,
                                               json: #"{"email": "thief@evil.test", "current_password": "a wrong guess"}"#)
            #expect(wrong.status == .badRequest)
            #expect(wrong.errorField == "current_password")
            // Nothing changed.
            _ = try await harness.login("admin@alfa.test")
            // Other fields of oneself need no password.
            let renamed = try await harness.call(.patch, path, token: token, json: #"{"name": "Ana"}"#)
            #expect(renamed.status == .ok)
            let changed = try await harness.call(.patch, path, token: token,
                                                 json: #"{"password": "my brand new password", "current_password": "correct horse battery"}"#)
            #expect(changed.status == .ok, "\(changed.status) \(String(describing: changed.json))")
            _ = try await harness.login("admin@alfa.test", password: "my brand new password")
        }
    }

    @Test func guessingTheCurrentPasswordWithAStolenTokenIsThrottled() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            let user = try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: provider.id)
            let token = try await harness.login("admin@alfa.test")
            let path = "/api/v1/users/\(user.id.lowercased)"
            for index in 0..<5 {
                let guess = try await harness.call(.patch, path, token: token,
                                                   json: #"{"password": "attacker password", "current_password": "guess number \#(index)"}"#)
                #expect(guess.status == .badRequest)
            }
            // The sixth guess is not even checked, the right password included.
            let throttled = try await harness.call(.patch, path, token: token,
                                                   json: #"{"password": "attacker password", "current_password": "correct horse battery"}"#)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] != nil)
            // The password did not change: its owner signs in with it from elsewhere.
            _ = try await harness.stack.auth.login(email: "admin@alfa.test", password: "correct horse battery", totpCode: nil,
                                                   client: ClientInfo(ip: "203.0.113.1"))
        }
    }

    @Test func secondFactorNeedsThePasswordAndCodesAreSingleUse() async throws {
        try await APIHarness.with { harness in
            let provider = try await harness.stack.makeProvider("alfa")
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            let token = try await harness.login("noc@alfa.test")
            let setup = try await harness.call(.post, "/api/v1/auth/totp/setup", token: token)
            #expect(setup.status == .ok)
            let secret = try #require(setup.string("secret"))
            let totp = TOTP(secret: try #require(Base32.decode(secret)))
            let code = totp.code(at: harness.stack.clock.now)
            let noPassword = try await harness.call(.post, "/api/v1/auth/totp/enable", token: token, json: #"{"code": "\#(code)"}"#)
            #expect(noPassword.status == .badRequest)
            #expect(noPassword.errorField == "current_password")
            let enabled = try await harness.call(.post, "/api/v1/auth/totp/enable", token: token,
                                                 json: #"{"code": "\#(code)", "password": "correct horse battery"}"#)
            #expect(enabled.status == .noContent, "\(enabled.status) \(String(describing: enabled.json))")
            // The same code cannot turn it off again, nor sign in.
            let disable = try await harness.call(.post, "/api/v1/auth/totp/disable", token: token,
                                                 json: #"{"code": "\#(code)", "password": "correct horse battery"}"#)
            #expect(disable.status == .badRequest)
            #expect(disable.errorField == "code")
            let replay = try await harness.call(.post, "/api/v1/auth/login",
                                                json: #"{"email": "noc@alfa.test", "password": "correct horse battery", "totp_code": "\#(code)"}"#)
            #expect(replay.status == .unauthorized)
            harness.stack.clock.advance(by: 30)
            let next = totp.code(at: harness.stack.clock.now)
            let login = try await harness.call(.post, "/api/v1/auth/login",
                                               json: #"{"email": "noc@alfa.test", "password": "correct horse battery", "totp_code": "\#(next)"}"#)
            #expect(login.status == .ok)
            let again = try await harness.call(.post, "/api/v1/auth/login",
                                               json: #"{"email": "noc@alfa.test", "password": "correct horse battery", "totp_code": "\#(next)"}"#)
            #expect(again.status == .unauthorized)
        }
    }
}
