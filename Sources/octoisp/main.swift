import ArgumentParser
import SNMP

/// Runs the root command's async entry point (top-level code would pick the synchronous one).
func launch() async {
    await OctoISP.main()
}

// Run Swift tasks on NIO's event loops (fewer thread hops per request for the API and the SNMP
// client), then parse and run the command.
SNMPRuntime.useEventLoopsAsGlobalExecutor()
await launch()
