import ArgumentParser
import SNMP
import SNMPTools

/// `octoisp-snmp`: the SNMP tools of `octoisp snmp` in a binary of their own. It links the SNMP client
/// and nothing of the platform (a quarter of the size), so the dynamic loader relocates a third as many
/// pointers at every start: for one-shot queries from a shell or a script, start-up is most of the cost.
struct StandaloneSNMP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "octoisp-snmp",
        abstract: "Query SNMP agents and receive traps (numeric OIDs only).",
        subcommands: SNMPTools.commands
    )
}

/// Runs the root command's async entry point (top-level code would pick the synchronous one).
func launch() async {
    await StandaloneSNMP.main()
}

// Swift tasks on NIO's event loops, as in `octoisp`: one thread does the whole walk.
SNMPRuntime.useEventLoopsAsGlobalExecutor()
await launch()
