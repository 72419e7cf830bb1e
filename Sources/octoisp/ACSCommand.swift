import ACS
import ArgumentParser
import Foundation
import OctoCore
import OctoStore

/// `octoisp acs …`: operator tasks of the ACS.
struct ACSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "acs", abstract: "TR-069 ACS operator tasks.",
                                                    subcommands: [AddCredential.self, SetConnectionRequestCredential.self, SetXMPPAccount.self])

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

    /// `octoisp acs set-connection-request-credential`: what the ACS answers devices' connection-request challenges with.
    struct SetConnectionRequestCredential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-connection-request-credential",
            abstract: "Set the user name and password the ACS sends to devices' ConnectionRequestURL (provider default, or one device).")

        @Option(help: "Provider slug.") var provider: String
        @Option(help: "Device id; the provider default when omitted.") var device: String?
        @Option(help: "User name.") var username: String
        @Option(help: "Password (or OCTOISP_CR_PASSWORD).") var password: String?

        func run() async throws {
            guard let secret = password ?? ProcessInfo.processInfo.environment["OCTOISP_CR_PASSWORD"] else {
                throw ValidationError("give --password or OCTOISP_CR_PASSWORD")
            }
            let deviceID = try device.map { text in
                guard let id = UUID(uuidString: text) else { throw ValidationError("--device must be a UUID") }
                return id
            }
            let slug = provider
            let user = username
            let box = try Environment().secretBox()
            try await withServices { database, _ in
                guard let providerID = try await database.withTenant(nil, { tx in try await tx.lookup.provider(slug: slug) }) else {
                    throw OctoError.notFound("provider")
                }
                try await database.withTenant(providerID) { tx in
                    try await tx.connectionRequestCredentials.set(username: user, password: secret, device: deviceID, secrets: box, by: .system)
                }
            }
            print("connection-request credential set for \(deviceID?.lowercased ?? "every device") in \(slug)")
        }
    }

    /// `octoisp acs set-xmpp-account`: the provider's XMPP account for Annex K connection requests.
    struct SetXMPPAccount: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-xmpp-account",
            abstract: "Set the XMPP account the ACS sends connection requests from (TR-069 Annex K) for a provider.")

        @Option(help: "Provider slug.") var provider: String
        @Option(help: "XMPP server host.") var host: String
        @Option(help: "XMPP server port.") var port = 5222
        @Option(help: "Bare JID, e.g. acs@xmpp.example.net.") var jid: String
        @Option(help: "Resource to bind.") var resource = "acs"
        @Option(help: "Password (or OCTOISP_XMPP_PASSWORD).") var password: String?

        func run() async throws {
            guard let secret = password ?? ProcessInfo.processInfo.environment["OCTOISP_XMPP_PASSWORD"] else {
                throw ValidationError("give --password or OCTOISP_XMPP_PASSWORD")
            }
            let input = XMPPAccountInput(host: host, port: port, jid: jid, password: secret, resource: resource)
            let slug = provider
            let box = try Environment().secretBox()
            try await withServices { database, _ in
                guard let providerID = try await database.withTenant(nil, { tx in try await tx.lookup.provider(slug: slug) }) else {
                    throw OctoError.notFound("provider")
                }
                try await database.withTenant(providerID) { tx in try await tx.xmppAccount.set(input, secrets: box, by: .system) }
            }
            print("XMPP account \(jid) set for \(slug)")
        }
    }
}
