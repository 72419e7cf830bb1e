import ArgumentParser

/// The OctoISP command line: one binary for every role.
struct OctoISP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "octoisp",
        abstract: "Monitor, provision and manage ISP networks.",
        subcommands: commands(for: CommandLine.arguments)
    )

    /// Every subcommand.
    static let all: [any ParsableCommand.Type] = [Serve.self, Agent.self, Migrate.self, Admin.self, Audit.self, Backup.self, Restore.self,
                                                  Jobs.self, SNMPCommand.self, ACSCommand.self, CPESim.self, Bench.self]

    /// The subcommands the parser needs for these arguments. The parser builds the tree of every command
    /// it is given before it parses, which costs a runtime type lookup per command type; a one-shot
    /// tool such as `octoisp snmp bulkwalk` gets only the command it names, so it starts as fast as a
    /// single-purpose binary. Help, errors and unknown names get the whole list.
    ///
    /// Every command names itself (`commandName:`): without it, ArgumentParser derives the name from
    /// `String(describing:)` of the type, whose dynamic casts each scan every protocol conformance of
    /// this large binary the first time (a fifth of the start-up CPU when eight commands did it).
    static func commands(for arguments: [String]) -> [any ParsableCommand.Type] {
        guard arguments.count > 1, let named = all.first(where: { $0._commandName == arguments[1] }) else { return all }
        return [named]
    }
}
