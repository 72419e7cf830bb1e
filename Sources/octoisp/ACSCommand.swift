import ACS
import ArgumentParser
import Foundation
import OctoCore
import OctoStore

/// `octoisp acs …`: operator tasks of the ACS.
struct ACSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acs", abstract: "TR-069 ACS operator tasks.",
                                                    subcommands: [AddCredential.self])

    /// `octoisp acs add-credential`: a CPE user name and password for a provider.
    struct AddCredential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-credential",
                                                        abstract: "Add a CPE credential (HTTP Basic/Digest) to a provider.")

        @Option(help: "Provider slug.") var provider: String
        @Option(help: "CPE user name.") var username: String
        @Option(help: "CPE password (8–256 characters; or OCTOISP_CPE_PASSWORD).") var password: String?

        func run() async throws {
            guard let secret = password ?? ProcessInfo.processInfo.environment["OCTOISP_CPE_PASSWORD"] else {
                throw ValidationError("give --password or OCTOISP_CPE_PASSWORD")
            }
            let realm = ACSConfiguration(environment: ProcessInfo.processInfo.environment).realm
            let slug = provider
            let user = username
            let id = try await withServices { database, _ in
                guard let providerID = try await database.withTenant(nil, { tx in try await tx.lookup.provider(slug: slug) }) else {
                    throw OctoError.notFound("provider")
                }
                return try await database.withTenant(providerID) { tx in
                    try await tx.cwmpCredentials.create(username: user, password: secret, realm: realm, by: .system)
                }
            }
            print("credential \(id.lowercased) created for \(user) in \(slug)")
        }
    }
}
