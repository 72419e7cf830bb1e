import ArgumentParser

/// The OctoISP command line: one binary for every role.
struct OctoISP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "octoisp",
        abstract: "Monitor, provision and manage ISP networks.",
        subcommands: [Serve.self, Agent.self, Migrate.self, Admin.self, Audit.self, Backup.self, Restore.self, Jobs.self, SNMPCommand.self, ACSCommand.self, CPESim.self, Bench.self]
    )
}
