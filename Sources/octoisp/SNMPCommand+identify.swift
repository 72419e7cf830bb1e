import ArgumentParser
import Foundation
import Monitoring
import SNMP
import SNMPTools

extension SNMPCommand {
    /// `snmp identify AGENT [--poll]`: fingerprint an agent with the vendor profiles and optionally run
    /// the profile's collectors, printing JSON.
    struct Identify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "identify",
            abstract: "Fingerprint an agent against the vendor profiles; with --poll, also run its collectors. Prints JSON.")
        @OptionGroup var options: SNMPAgentOptions
        @Flag(name: .long, help: "Also run the profile's collectors and print what they read.") var poll = false
        @Option(name: .long, help: "Collectors for --poll, comma-separated: system, health, interfaces, optics (default all).")
        var collectors: String?

        func run() async throws {
            let catalog = try ProfileCatalog.bundled()
            var kinds = Swift.Set(CollectorKind.allCases)
            if let collectors {
                kinds = []
                for name in collectors.split(separator: ",") {
                    guard let kind = CollectorKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                        throw ValidationError("unknown collector \"\(name)\"")
                    }
                    kinds.insert(kind)
                }
            }
            let selected = kinds
            try await options.withClient { client, target in
                let poller = SNMPDevicePoller(client: client, catalog: catalog)
                let identity = try await poller.identify(target)
                let result = poll ? try await poller.poll(target, identity: identity, collectors: selected) : nil
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let output = IdentifyOutput(identity: identity, poll: result)
                print(String(decoding: try encoder.encode(output), as: UTF8.self))
            }
        }
    }

    /// What `snmp identify` prints.
    struct IdentifyOutput: Encodable {
        var identity: DeviceIdentity
        var poll: PollResult?
    }
}
