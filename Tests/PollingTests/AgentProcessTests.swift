import Foundation
import Monitoring
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

extension PollingIntegrationTests {
    @Suite struct AgentProcessTests {
        @Test func aPopAgentPollsItsPopsDevicesFromItsOwnQueue() async throws {
            let binary = try TestEnvironment.octoispBinary()
            let agent = try PollingPeers.snmpd()
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack, slug: "edge")
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                let device = try await fixture.device(agent.host, port: agent.port, credential: credential.id)
                var environment = ProcessInfo.processInfo.environment
                environment["REDIS_URL"] = nil
                environment["DATABASE_URL"] = TwoPollersTests.postgresURL(stack.appURL)
                environment["OCTOISP_GLOBAL_DATABASE_URL"] = TwoPollersTests.postgresURL(stack.globalURL)
                environment["OCTOISP_DB_POOL"] = "4"
                environment["OCTOISP_SECRET_KEY"] = fixture.keyring
                // The agent checks OCTOISP_OUTBOUND_DENY (defaults: 127.0.0.0/24 among others, plus the
                // platform's listen hosts, 127.0.0.1 by default) before each poll; the snmpd peer is on 127.0.0.1.
                environment["OCTOISP_OUTBOUND_DENY"] = "169.254.0.0/16,224.0.0.0/4"
                environment["OCTOISP_HTTP_HOST"] = "127.0.0.2"
                environment["OCTOISP_CWMP_HOST"] = "127.0.0.2"
                let process = try ChildProcess.start([binary, "agent", "--pop", "centro", "--provider", "edge"], environment: environment)
                defer { process.send(SIGKILL) }

                let deadline = ContinuousClock.now + .seconds(30)
                var registered = false
                while !registered && ContinuousClock.now < deadline {
                    registered = try await stack.database.withTenant(fixture.provider) { tx in
                        try await tx.query("SELECT count(*)::int FROM snmp_pop_agents WHERE pop_id = \(fixture.pop)").values(Int.self)
                    } == [1]
                    if !registered { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(registered, "the agent did not announce itself: \(process.errors().suffix(2000))")

                // No shared poller runs: only the agent can poll what the cycle puts on its POP's queue.
                let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: PollingPeers.logger)
                try await withSNMPClient { client in
                    let planned = try await fixture.service(client: client, queue: queue).plan(provider: fixture.provider, period: 0)
                    #expect(planned.map(\.queue) == [SNMPQueues.pop(fixture.pop)])
                }
                var state = try await fixture.state(device.deviceId)
                while state.lastPollAt == nil && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    state = try await fixture.state(device.deviceId)
                }
                #expect(state.reachability == "up" && state.sysName == "octo-test", "agent log: \(process.errors().suffix(2000))")

                // SIGTERM: the agent leaves, and the POP's devices go back to the shared queue.
                process.send(SIGTERM)
                #expect(await process.termination(within: .seconds(20)) == .exited(0))
                let left = try await stack.database.withTenant(fixture.provider) { tx in
                    try await tx.query("SELECT count(*)::int FROM snmp_pop_agents").values(Int.self)
                }
                #expect(left == [0])
            }
        }
    }
}
