import Foundation
import Logging
import Monitoring
import OctoCore
import OctoJobs
import OctoMetrics
import OctoStore
import OctoTestSupport
import SNMP
import Testing

/// The SNMP agents `make test` starts (scripts/peers/snmp.sh); a missing one fails the test.
enum PollingPeers {
    /// `127.0.0.1:PORT` of the net-snmp agent (community `public`, sysName `octo-test`).
    static func snmpd() throws -> (host: String, port: Int) {
        let spec = try #require(ProcessInfo.processInfo.environment["SNMP_TEST_SNMPD"],
                                "SNMP_TEST_SNMPD is not set: run the tests with scripts/test.sh, which starts the SNMP agents")
        let parts = spec.split(separator: ":")
        return (String(parts[0]), try #require(Int(parts[1])))
    }

    static var logger: Logger {
        var logger = Logger(label: "polling-test")
        logger.logLevel = .warning
        return logger
    }
}

/// One net-snmp agent answering on several 127.1.0.x addresses at one port, as a fleet of "devices"
/// (bench/snmp/poll-10k.sh does the same with 0.0.0.0 for 10,000 of them). Only loopback addresses are bound.
final class LoopbackAgents: Sendable {
    let process: ChildProcess
    let port: Int
    let addresses: [String]
    let directory: String

    static func start(count: Int) async throws -> LoopbackAgents {
        let port = TestEnvironment.freeTCPPort()
        let addresses = (1...count).map { "127.1.0.\($0)" }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("octo-agents-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/persist", withIntermediateDirectories: true)
        let config = """
            agentAddress \(addresses.map { "udp:\($0):\(port)" }.joined(separator: ","))
            rocommunity public 127.0.0.0/8
            sysName loopback-fleet
            """
        try config.write(toFile: directory + "/snmpd.conf", atomically: true, encoding: .utf8)
        let binary = FileManager.default.isExecutableFile(atPath: "/usr/sbin/snmpd") ? "/usr/sbin/snmpd" : "snmpd"
        var environment = ProcessInfo.processInfo.environment
        environment["SNMP_PERSISTENT_DIR"] = directory + "/persist"
        environment["MIBS"] = ""
        let process = try ChildProcess.start(["/usr/bin/env", binary, "-f", "-C", "-c", directory + "/snmpd.conf",
                                              "-Lf", directory + "/snmpd.log", "-M", "/dev/null", "-I", "-smux"],
                                             environment: environment)
        let agents = LoopbackAgents(process: process, port: port, addresses: addresses, directory: directory)
        let client = try await SNMPClient.start()
        defer { Task { await client.close() } }
        for _ in 0..<100 {
            let target = try SNMPTarget(host: addresses[count - 1], port: port, credentials: .v2c(community: "public"),
                                        timeout: .milliseconds(200), retries: 0)
            if (try? await client.get([.sysUpTime], from: target)) != nil { return agents }
            if process.poll() != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        agents.stop()
        throw TestSetupError("snmpd did not answer on \(addresses.last!):\(port): \((try? String(contentsOfFile: directory + "/snmpd.log", encoding: .utf8)) ?? "")")
    }

    private init(process: ChildProcess, port: Int, addresses: [String], directory: String) {
        self.process = process
        self.port = port
        self.addresses = addresses
        self.directory = directory
    }

    func stop() {
        process.send(SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A provider with a POP and credentials, and the polling service over a started SNMP client.
struct PollingFixture: Sendable {
    let stack: TestStack
    let provider: UUID
    let pop: UUID
    let secrets: SecretBox
    let keyring: String

    static func make(_ stack: TestStack, slug: String = "fibra") async throws -> PollingFixture {
        let provider = try await stack.makeProvider(slug)
        let pop = try await stack.database.withTenant(provider.id) { tx in
            try await tx.pops.create(PopInput(name: "POP Centro", code: "centro"), by: .system)
        }
        let keyring = SecretBox.generateKeyring()
        return PollingFixture(stack: stack, provider: provider.id, pop: pop.id, secrets: try SecretBox(keyring: keyring), keyring: keyring)
    }

    @discardableResult
    func credential(_ name: String, community: String, priority: Int) async throws -> SNMPCredential {
        try await stack.database.withTenant(provider) { tx in
            try await tx.snmpCredentials.create(SNMPCredentialInput(name: name, version: "v2c", priority: priority, community: community),
                                                secrets: secrets, by: .system)
        }
    }

    func device(_ address: String, port: Int, credential: UUID?) async throws -> SNMPDevice {
        try await stack.database.withTenant(provider) { tx in
            try await tx.snmpDevices.create(SNMPDeviceInput(address: address, port: port, popId: pop, credentialId: credential), by: .system)
        }
    }

    func state(_ device: UUID) async throws -> SNMPDevice {
        try await stack.database.withTenant(provider) { tx in try await tx.snmpDevices.get(device) }
    }

    func service(client: SNMPClient, queue: any JobQueue, pipeline: MetricsIngestPipeline? = nil,
                 settings: PollSettings = PollSettings(requestTimeout: .milliseconds(500), retries: 1, pollTimeout: .seconds(3),
                                                       discoveryConcurrency: 32, discoveryTimeout: .milliseconds(500)),
                 deny: DenyListPolicy = DenyListPolicy(deny: [])) throws -> SNMPPollService {
        SNMPPollService(database: stack.database, queue: queue, poller: SNMPDevicePoller(client: client, catalog: try ProfileCatalog.bundled()), secrets: secrets,
                        pipeline: pipeline, settings: settings, deny: deny, clock: stack.clock, logger: PollingPeers.logger)
    }
}

/// Runs `body` with a started SNMP client and closes it afterwards.
func withSNMPClient<T: Sendable>(_ body: (SNMPClient) async throws -> T) async throws -> T {
    let client = try await SNMPClient.start()
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

/// The suites that need PostgreSQL and SNMP agents, one at a time (they share two cores).
@Suite(.serialized) struct PollingIntegrationTests {}
