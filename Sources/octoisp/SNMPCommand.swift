import ArgumentParser
import SNMPTools

/// `octoisp snmp …`: the SNMP tools (also shipped alone as `octoisp-snmp`) plus `identify`, which needs
/// the vendor profiles of the monitoring module.
struct SNMPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snmp",
        abstract: "Query SNMP agents and receive traps (numeric OIDs only).",
        subcommands: SNMPTools.commands + [Identify.self]
    )
}
