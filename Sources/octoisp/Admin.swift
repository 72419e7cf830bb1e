import ArgumentParser
import Foundation
import Logging
import OctoAuth
import OctoCore
import OctoStore

/// Runs `body` with a started database and auth service, for one-shot commands.
func withServices<T: Sendable>(_ body: @escaping @Sendable (Database, AuthService) async throws -> T) async throws -> T {
    let environment = Environment()
    Logs.bootstrap(environment)
    var logger = Logger(label: "octoisp.cli")
    logger.logLevel = .warning
    let clock = SystemWallClock()
    let database = Database(configuration: try environment.databaseConfiguration(), clock: clock, logger: logger)
    let auth = AuthService(database: database, hasher: PasswordHasher(cost: environment.bcryptCost),
                           tokens: try await environment.accessTokens(clock: clock), secrets: try environment.secretBox())
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await database.run(); return nil }
        group.addTask { try await body(database, auth) }
        defer { group.cancelAll() }
        while let result = try await group.next() {
            if let result { return result }
        }
        throw CancellationError()
    }
}

/// `octoisp admin …`: operator tasks.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "admin", abstract: "Operator tasks on users.",
                                                    subcommands: [CreateUser.self, ResetPassword.self])

    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create-user", abstract: "Create a user (a Global Admin without --provider).")

        @Option(help: "Login e-mail.") var email: String
        @Option(help: "Password (at least 10 characters); generated and printed when omitted.") var password: String?
        @Option(help: "Role key: global_admin, provider_admin, noc, technician, viewer or a provider's own.") var role: String?
        @Option(help: "Provider slug or id; omit for a Global Admin.") var provider: String?
        @Option(help: "Display name.") var name: String?

        func run() async throws {
            let generated = password == nil ? String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20)) : nil
            let input = UserInput(email: email, name: name ?? "", password: password ?? generated,
                                  roleKey: role ?? (provider == nil ? PredefinedRole.globalAdmin.key : PredefinedRole.viewer.key))
            let provider = self.provider
            let user = try await withServices { database, auth in
                let prepared = try await auth.prepareNewUser(input)
                if let provider {
                    let providerID = try await database.withGlobal { tx in
                        if let id = UUID(uuidString: provider) { return try await tx.providers.get(id).id }
                        guard let id = try await tx.lookup.provider(slug: provider) else { throw OctoError.notFound("provider") }
                        return id
                    }
                    return try await database.withTenant(providerID) { tx in try await auth.createUser(prepared, in: tx, by: .system) }
                }
                return try await database.withGlobal { tx in try await auth.createUser(prepared, in: tx, by: .system) }
            }
            print("created user \(user.email) (\(user.roleKey)) id \(user.id.lowercased)")
            if let generated { print("password: \(generated)") }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset-password", abstract: "Set a new password and end the user's sessions.")

        @Option(help: "Login e-mail.") var email: String
        @Option(help: "New password; generated and printed when omitted.") var password: String?

        func run() async throws {
            let generated = password == nil ? String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20)) : nil
            let newPassword = password ?? generated!
            let email = self.email
            try await withServices { _, auth in try await auth.resetPassword(email: email, newPassword: newPassword) }
            print("password reset for \(email)")
            if let generated { print("password: \(generated)") }
        }
    }
}

/// `octoisp audit verify`: checks every provider's hash chain.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Audit log tools.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "verify", abstract: "Recompute the audit hash chains; exit 1 naming the first broken link of each.")

        func run() async throws {
            let result = try await withServices { database, _ in try await database.withGlobal { tx in try await tx.verifyAuditLog() } }
            if result.isIntact {
                print("audit log intact: \(result.rows) rows in \(result.chains) chains")
            } else {
                for broken in result.breaks { print("BROKEN \(broken)") }
                throw ExitCode(1)
            }
        }
    }
}
