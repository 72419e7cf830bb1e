import Foundation
import Monitoring
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

extension PollingIntegrationTests {
    @Suite struct TwoPollersTests {
        /// One line of a poller's debug log: a poll of `device` started or finished at `at` (ms).
        struct PollEvent {
            var device: String
            var started: Bool
            var at: Int64
        }

        static func events(_ log: String) -> [PollEvent] {
            log.split(separator: "\n").compactMap { line -> PollEvent? in
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let message = object["message"] as? String, message.hasPrefix("snmp poll "),
                      let device = object["device.id"] as? String, let at = (object["at.ms"] as? String).flatMap(Int64.init) else { return nil }
                return PollEvent(device: device, started: message == "snmp poll started", at: at)
            }
        }

        /// Polls of one process as intervals per device; a poll still open ends at `openUntil`.
        static func intervals(_ events: [PollEvent], openUntil: Int64) -> [String: [ClosedRange<Int64>]] {
            var open: [String: Int64] = [:]
            var result: [String: [ClosedRange<Int64>]] = [:]
            for event in events {
                if event.started {
                    open[event.device] = event.at
                } else if let start = open.removeValue(forKey: event.device) {
                    result[event.device, default: []].append(start...max(start, event.at))
                }
            }
            for (device, start) in open { result[device, default: []].append(start...max(start, openUntil)) }
            return result
        }

        static func postgresURL(_ url: DatabaseURL) -> String {
            "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)"
        }

        @Test func twoPollerProcessesShareDevicesAndTheSurvivorTakesOverAKilledOnesPolls() async throws {
            let binary = try TestEnvironment.octoispBinary()
            let agents = try await LoopbackAgents.start(count: 6)
            defer { agents.stop() }
            try await TestDatabase.with { stack in
                let fixture = try await PollingFixture.make(stack)
                let credential = try await fixture.credential("public", community: "public", priority: 1)
                var devices: [UUID] = []
                for address in agents.addresses + (101...106).map({ "127.1.0.\($0)" }) {
                    devices.append(try await fixture.device(address, port: agents.port, credential: credential.id).deviceId)
                }
                var environment = ProcessInfo.processInfo.environment
                environment["REDIS_URL"] = nil
                environment["OCTOISP_OWNER_DATABASE_URL"] = nil
                environment["DATABASE_URL"] = Self.postgresURL(stack.appURL)
                environment["OCTOISP_GLOBAL_DATABASE_URL"] = Self.postgresURL(stack.globalURL)
                environment["OCTOISP_DB_POOL"] = "4"
                environment["OCTOISP_SECRET_KEY"] = fixture.keyring
                environment["OCTOISP_JWT_SECRET"] = "poller-test-secret-that-is-long-enough-0123456789"
                environment["OCTOISP_LOG_LEVEL"] = "debug"
                environment["OCTOISP_SNMP_CONCURRENCY"] = "3"
                environment["OCTOISP_SNMP_LEASE"] = "4"
                environment["OCTOISP_SNMP_TIMEOUT"] = "3"
                environment["OCTOISP_SNMP_RETRIES"] = "0"
                environment["OCTOISP_SNMP_POLL_TIMEOUT"] = "10"
                let arguments = [binary, "serve", "--roles", "poller", "--skip-migrations"]
                let pollers = [try ChildProcess.start(arguments, environment: environment),
                               try ChildProcess.start(arguments, environment: environment)]
                defer { for poller in pollers { poller.send(SIGKILL) } }

                // Wait until one poller is in the middle of a poll (a dead device takes 3 s), then kill it.
                let deadline = ContinuousClock.now + .seconds(60)
                var victim: Int?
                var openAtKill: Set<String> = []
                while victim == nil && ContinuousClock.now < deadline {
                    for (index, poller) in pollers.enumerated() {
                        let open = Self.intervals(Self.events(poller.errors()), openUntil: .max).filter { $0.value.contains { $0.upperBound == .max } }
                        if !open.isEmpty {
                            poller.send(SIGKILL)
                            victim = index
                            openAtKill = Set(open.keys)
                            break
                        }
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                let killed = try #require(victim, "no poller started a poll: \(pollers.map { $0.errors() })")
                _ = await pollers[killed].termination(within: .seconds(10))
                let killedAt = PollingPeersClock.nowMilliseconds()
                let survivor = pollers[1 - killed]

                // Every device gets polled; the killed poller's devices by the survivor once their leases end.
                var polled = false
                while !polled && ContinuousClock.now < deadline {
                    let states = try await stack.database.withTenant(fixture.provider) { tx in try await tx.snmpDevices.list() }
                    let survivorFinished = Set(Self.events(survivor.errors()).filter { !$0.started }.map(\.device))
                    polled = states.count == devices.count && states.allSatisfy { $0.lastPollAt != nil }
                        && openAtKill.isSubset(of: survivorFinished)
                    if !polled { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(polled, "survivor log: \(survivor.errors().suffix(3000))")
                let states = try await stack.database.withTenant(fixture.provider) { tx in try await tx.snmpDevices.list() }
                let live = Set(agents.addresses)
                #expect(states.filter { live.contains($0.address) }.allSatisfy { $0.reachability == "up" })
                // Nothing answers SNMP at the other addresses, but loopback answers ICMP echo (on by default in
                // `serve`): those devices are `snmp_failing`, not down.
                #expect(states.filter { !live.contains($0.address) }.allSatisfy {
                    $0.reachability == "snmp_failing" && $0.timeouts >= 1 && $0.icmpLossPercent == 0
                })

                // Both processes polled, and no device was ever polled by both at once.
                let killedIntervals = Self.intervals(Self.events(pollers[killed].errors()), openUntil: killedAt)
                let survivorIntervals = Self.intervals(Self.events(survivor.errors()), openUntil: .max)
                #expect(!killedIntervals.isEmpty && !survivorIntervals.isEmpty)
                for device in devices.map({ $0.lowercased }) {
                    let all = ((killedIntervals[device] ?? []) + (survivorIntervals[device] ?? [])).sorted { $0.lowerBound < $1.lowerBound }
                    for (earlier, later) in zip(all, all.dropFirst()) {
                        #expect(earlier.upperBound <= later.lowerBound, "device \(device) polled twice at once: \(all)")
                    }
                }
                for device in openAtKill {
                    let after = (survivorIntervals[device] ?? []).filter { $0.lowerBound >= killedAt - 1 }
                    #expect(!after.isEmpty, "device \(device) was not taken over")
                }
                // The survivor stops gracefully on SIGTERM.
                survivor.send(SIGTERM)
                #expect(await survivor.termination(within: .seconds(30)) == .exited(0), "\(survivor.errors().suffix(2000))")
            }
        }
    }
}

/// Wall-clock milliseconds, as the pollers stamp their logs.
enum PollingPeersClock {
    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
