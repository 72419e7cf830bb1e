@testable import ACS
import Foundation
import Logging
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Prometheus
import Testing

/// In-memory caches of two ACS processes over one database, each listening for invalidations
/// (`NOTIFY octoisp_cache`) on a connection of its own, as `octoisp serve` does.
@Suite struct CacheInvalidationTests {
    static func session(_ harness: ACSHarness, _ index: Int, slug: String? = nil, password: String = ACSHarness.password) async throws -> Int {
        let url = harness.url(index, slug: slug)
        let opened = try await RawHTTP.post(url, body: RawHTTP.inform(serial: "SN-\(index)"), authorization: RawHTTP.basic("cpe", password))
        if opened.status == 200 {
            try await RawHTTP.finish(url, cookie: String(try #require(opened.headers["set-cookie"]).split(separator: ";")[0]))
        }
        return opened.status
    }

    @Test(.timeLimit(.minutes(2)))
    func aRevokedCredentialIsRefusedOnTheNextInformInEveryProcessAndOnlyForItsProvider() async throws {
        var configuration = ACSConfiguration()
        // Entries would live an hour: only the invalidation can drop them.
        configuration.credentialCacheSeconds = 3600
        let realm = configuration.realm
        try await ACSHarness.with(servers: 2, configuration: configuration) { harness in
            var logger = Logger(label: "cache-test")
            logger.logLevel = .critical
            let other = try await harness.stack.makeProvider("other")
            _ = try await harness.stack.database.withTenant(other.id) { tx in
                try await tx.cwmpCredentials.create(username: "cpe", password: "other-secret-456", realm: realm, by: .system)
            }
            let ready = ListenersReady()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for engine in harness.engines {
                    let listener = EventListener(url: harness.stack.appURL, logger: logger, invalidations: ready.observing { engine.invalidate($0) }, sink: nil)
                    group.addTask { try await listener.run() }
                }
                defer { group.cancelAll() }
                try await ready.wait(for: harness.engines.count)
                for index in 0..<2 { #expect(try await Self.session(harness, index) == 200) }
                #expect(try await Self.session(harness, 0, slug: "other", password: "other-secret-456") == 200)
                for engine in harness.engines {
                    #expect(engine.credentials.holds(provider: harness.provider.id, username: "cpe"))
                }
                #expect(harness.engines[0].credentials.holds(provider: other.id, username: "cpe"))

                // Revoked through the database, as the API of a third process would.
                let revoked = ContinuousClock.now
                _ = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("DELETE FROM cwmp_credentials WHERE username = 'cpe'")
                }
                var dropped = false
                while ContinuousClock.now - revoked < .seconds(5) {
                    if harness.engines.allSatisfy({ !$0.credentials.holds(provider: harness.provider.id, username: "cpe") }) { dropped = true; break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(dropped, "a process still holds the revoked credential 5 s after the commit")
                // Same user name, other provider: its entry stays (every key includes the provider).
                #expect(harness.engines[0].credentials.holds(provider: other.id, username: "cpe"))
                for index in 0..<2 { #expect(try await Self.session(harness, index) == 401, "process \(index) accepted a revoked credential") }
                #expect(try await Self.session(harness, 0, slug: "other", password: "other-secret-456") == 200)
                print("cache invalidation: revoked credential dropped from both processes in \(ContinuousClock.now - revoked) or less")
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aSuspendedProviderIsRefusedOnTheNextInformInEveryProcess() async throws {
        var configuration = ACSConfiguration()
        // Slugs and transport settings would live an hour: only the invalidation can drop them.
        configuration.slugCacheSeconds = 3600
        let realm = configuration.realm
        try await ACSHarness.with(servers: 2, configuration: configuration) { harness in
            var logger = Logger(label: "cache-test")
            logger.logLevel = .critical
            let other = try await harness.stack.makeProvider("other")
            _ = try await harness.stack.database.withTenant(other.id) { tx in
                try await tx.cwmpCredentials.create(username: "cpe", password: "other-secret-456", realm: realm, by: .system)
            }
            let ready = ListenersReady()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for engine in harness.engines {
                    let listener = EventListener(url: harness.stack.appURL, logger: logger, invalidations: ready.observing { engine.invalidate($0) }, sink: nil)
                    group.addTask { try await listener.run() }
                }
                defer { group.cancelAll() }
                try await ready.wait(for: harness.engines.count)
                for index in 0..<2 { #expect(try await Self.session(harness, index) == 200) }
                #expect(try await Self.session(harness, 0, slug: "other", password: "other-secret-456") == 200)
                for engine in harness.engines {
                    #expect(engine.slugs.holds(provider: ACSEngine.noProvider, key: harness.provider.slug))
                    #expect(engine.transportPolicies.holds(provider: harness.provider.id, key: ""))
                }
                #expect(harness.engines[0].transportPolicies.holds(provider: other.id, key: ""))

                // Suspended on the Global Admin's path, as the API of a third process would.
                let suspended = ContinuousClock.now
                _ = try await harness.stack.database.withGlobal { tx in
                    try await tx.query("UPDATE providers SET status = 'suspended' WHERE id = \(harness.provider.id)")
                }
                var dropped = false
                while ContinuousClock.now - suspended < .seconds(5) {
                    if harness.engines.allSatisfy({ !$0.slugs.holds(provider: ACSEngine.noProvider, key: harness.provider.slug)
                        && !$0.transportPolicies.holds(provider: harness.provider.id, key: "") }) { dropped = true; break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(dropped, "a process still holds the suspended provider 5 s after the commit")
                // Another provider's setting stays.
                #expect(harness.engines[0].transportPolicies.holds(provider: other.id, key: ""))
                for index in 0..<2 { #expect(try await Self.session(harness, index) == 401, "process \(index) accepted a suspended provider") }
                #expect(try await Self.session(harness, 0, slug: "other", password: "other-secret-456") == 200)
                // Active again: accepted at once, although the unknown slug was cached for an hour.
                _ = try await harness.stack.database.withGlobal { tx in
                    try await tx.query("UPDATE providers SET status = 'active' WHERE id = \(harness.provider.id)")
                }
                let reactivated = ContinuousClock.now
                var accepted = false
                while ContinuousClock.now - reactivated < .seconds(5) {
                    if try await Self.session(harness, 0) == 200, try await Self.session(harness, 1) == 200 { accepted = true; break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(accepted, "a reactivated provider is still refused 5 s after the commit")
            }
        }
    }

    @Test func invalidationsSelectTheirCacheAndProvider() throws {
        let engine = ACSEngine(database: Database(configuration: .init(app: try DatabaseURL("postgres://u@127.0.0.1/x"),
                                                                        global: try DatabaseURL("postgres://u@127.0.0.1/x")),
                                                  logger: Logger(label: "t")),
                               configuration: ACSConfiguration(), clock: ManualWallClock(Date()), logger: Logger(label: "t"))
        let one = UUID(), two = UUID()
        let credential = { (provider: UUID) in
            CWMPCredential(id: UUID(), providerID: provider, deviceID: nil, username: "cpe", salt: [], passwordHash: [], digestHA1: "", realm: "r")
        }
        engine.credentials.store(credential(one), now: Date())
        engine.credentials.store(credential(two), now: Date())
        engine.invalidate(CacheInvalidation(cache: "device", provider: one, key: "cpe"))
        #expect(engine.credentials.holds(provider: one, username: "cpe"))
        engine.invalidate(CacheInvalidation(cache: "cwmp_credential", provider: one, key: "cpe"))
        #expect(!engine.credentials.holds(provider: one, username: "cpe"))
        #expect(engine.credentials.holds(provider: two, username: "cpe"))
        engine.transportPolicies.store(true, provider: one, key: "", now: Date(), ticket: engine.transportPolicies.ticket())
        engine.transportPolicies.store(true, provider: two, key: "", now: Date(), ticket: engine.transportPolicies.ticket())
        engine.slugs.store(one, provider: ACSEngine.noProvider, key: "one", now: Date(), ticket: engine.slugs.ticket())
        engine.invalidate(CacheInvalidation(cache: "provider", provider: one, key: "*"))
        #expect(!engine.transportPolicies.holds(provider: one, key: ""))
        #expect(engine.transportPolicies.holds(provider: two, key: ""))
        #expect(!engine.slugs.holds(provider: ACSEngine.noProvider, key: "one"))
        #expect(engine.credentials.holds(provider: two, username: "cpe"))
        engine.invalidate(.everything)
        #expect(!engine.credentials.holds(provider: two, username: "cpe"))
        #expect(!engine.transportPolicies.holds(provider: two, key: ""))
    }

    @Test func lookupsCountHitsAndMissesWithTheCacheLabel() {
        let registry = PrometheusCollectorRegistry()
        let cache = CredentialCache(lifetime: 10, metrics: PrometheusMetricsFactory(registry: registry))
        let provider = UUID()
        let now = Date()
        #expect(cache.credential(provider: provider, username: "cpe", now: now) == nil)
        cache.store(CWMPCredential(id: UUID(), providerID: provider, deviceID: nil, username: "cpe", salt: [], passwordHash: [], digestHA1: "",
                                   realm: "r"), now: now)
        for _ in 0..<3 { #expect(cache.credential(provider: provider, username: "cpe", now: now.addingTimeInterval(1)) != nil) }
        // Expired: a miss.
        #expect(cache.credential(provider: provider, username: "cpe", now: now.addingTimeInterval(11)) == nil)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#"octoisp_cache_hits_total{cache="cwmp_credential"} 3"#), "\(text)")
        #expect(text.contains(#"octoisp_cache_misses_total{cache="cwmp_credential"} 2"#), "\(text)")
    }
}
