import ArgumentParser
import Foundation
import Logging
import OctoJobs
import Monitoring
import OctoCore
import OctoStore
import ToolRuns
import ServiceLifecycle
import UnixSignals

/// `octoisp agent --pop …`: polls only one POP's devices, close to them.
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Poll and discover one POP's devices (queue snmp-pop-<pop id>) and run its network tools (queue tools-pop-<pop id>) until SIGTERM/SIGINT.")

    @Option(name: .long, help: "The POP: its id, or its code or name together with --provider.")
    var pop: String

    @Option(name: .long, help: "The provider's slug, to find the POP by code or name.")
    var provider: String?

    func run() async throws {
        let environment = Environment()
        Logs.bootstrap(environment)
        let logger = Logger(label: "octoisp.agent")
        let clock = SystemWallClock()
        let database = Database(configuration: try environment.databaseConfiguration(), clock: clock, logger: logger)
        let jobs = try environment.jobQueue(database: database, clock: clock, logger: logger)
        let starter = AgentStarter(database: database, pop: pop, provider: provider, environment: environment, jobs: jobs,
                                   clock: clock, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [database, starter], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
    }
}

/// Resolves the POP once the database pools run, then runs the agent's worker and heartbeat until shutdown.
struct AgentStarter: Service {
    let database: Database
    let pop: String
    let provider: String?
    let environment: Environment
    let jobs: any OctoJobs.JobQueue
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        let (providerID, popID) = try await PopAgentHeartbeat.resolve(pop: pop, providerSlug: provider, database: database)
        let poller = try await PollerServices.make(environment: environment, database: database, jobs: jobs,
                                                   queues: [SNMPQueues.pop(popID)], clock: clock, logger: logger)
        let agentID = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let heartbeat = PopAgentHeartbeat(database: database, provider: providerID, pop: popID, agent: agentID, logger: logger)
        logger.info("agent started", metadata: ["pop.id": "\(popID.uuidString.lowercased())", "queue": "\(SNMPQueues.pop(popID))"])
        // Tool runs whose origin is this POP (queue tools-pop-<pop id>).
        let tools = environment.toolWorker(database: database, jobs: jobs, queues: [ToolQueues.pop(popID)], executor: "agent \(agentID)",
                                           clock: clock, logger: logger)
        let inner = ServiceGroup(configuration: .init(services: poller.services + [heartbeat, tools], logger: logger))
        try await inner.run()
    }
}
