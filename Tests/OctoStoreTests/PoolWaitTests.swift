import Foundation
import Logging
import OctoCore
import OctoStore
import OctoTestSupport
import Synchronization
import Testing

/// The wait for a pooled connection is bounded: a transaction that gets no connection within the
/// configured wait fails as `unavailable` without having run, instead of waiting for ever.
@Suite struct PoolWaitTests {
    static var logger: Logger {
        var logger = Logger(label: "pool-wait-test")
        logger.logLevel = .error
        return logger
    }

    /// With the app pool's only connection held by an open transaction, a second transaction fails as
    /// unavailable after the wait and its body never runs; the held transaction then commits.
    @Test(.timeLimit(.minutes(2)))
    func waitForABusyPoolEndsAsUnavailable() async throws {
        try await TestDatabase.with { stack in
            let database = Database(configuration: .init(app: stack.appURL, global: stack.globalURL, maximumConnections: 1,
                                                         failoverWait: .seconds(1)),
                                    logger: Self.logger)
            let pools = Task { try await database.run() }
            defer { pools.cancel() }
            let provider = try await stack.makeProvider("pool-wait-\(UUID().uuidString.prefix(8).lowercased())")
            let held = Mutex(false)
            let release = Mutex(false)
            let holder = Task {
                try await database.withTenant(provider.id) { tx in
                    held.withLock { $0 = true }
                    while !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
                    return try await tx.devices.create(DeviceInput(name: "held"), by: .system).id
                }
            }
            while !held.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
            let ran = Mutex(false)
            let started = ContinuousClock.now
            do {
                _ = try await database.withTenant(provider.id) { _ in ran.withLock { $0 = true } }
                Issue.record("a transaction ran although the pool's only connection was held")
            } catch let error as OctoError {
                #expect(error.code == .unavailable, "\(error)")
            }
            #expect(started.duration(to: .now) < .seconds(30))
            #expect(!ran.withLock { $0 })
            release.withLock { $0 = true }
            let id = try await holder.value
            let names = try await database.withTenant(provider.id) { tx in try await tx.query("SELECT name FROM devices WHERE id = \(id)").values(String.self) }
            #expect(names == ["held"])
        }
    }

    /// A database whose pools were never started fails its transactions as unavailable after the
    /// wait; nothing waits on a pool that will never run.
    @Test(.timeLimit(.minutes(1)))
    func poolsThatNeverRunFailAsUnavailable() async throws {
        let app = try TestEnvironment.url("OCTOISP_TEST_APP_URL")
        let global = try TestEnvironment.url("OCTOISP_TEST_GLOBAL_URL")
        let database = Database(configuration: .init(app: app, global: global, maximumConnections: 2, failoverWait: .seconds(1)), logger: Self.logger)
        let ran = Mutex(false)
        await #expect(throws: OctoError.self) {
            try await database.withGlobal { _ in ran.withLock { $0 = true } }
        }
        #expect(!ran.withLock { $0 })
        #expect(await database.ping() == false)
    }
}
