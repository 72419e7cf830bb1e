@testable import ACS
import Foundation
import Prometheus
import Testing

/// The bounded, provider-keyed in-memory cache behind the ACS's provider settings and provisioning's templates.
@Suite struct ProviderCacheTests {
    static func text(_ registry: PrometheusCollectorRegistry) -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test func entriesLiveTheirLifetimeAndLookupsCountHitsAndMissesUnderTheCacheLabel() {
        let registry = PrometheusCollectorRegistry()
        let cache = ProviderCache<Int>(name: "example", lifetime: 10, metrics: PrometheusMetricsFactory(registry: registry))
        let provider = UUID()
        let now = Date()
        #expect(cache.value(provider: provider, key: "k", now: now) == nil)
        cache.store(7, provider: provider, key: "k", now: now, ticket: cache.ticket())
        for _ in 0..<3 { #expect(cache.value(provider: provider, key: "k", now: now.addingTimeInterval(9.9)) == 7) }
        #expect(cache.value(provider: provider, key: "k", now: now.addingTimeInterval(10)) == nil)
        // An entry that is fresh but not usable is a miss.
        #expect(cache.value(provider: provider, key: "k", now: now, where: { $0 == 8 }) == nil)
        let text = Self.text(registry)
        #expect(text.contains(#"octoisp_cache_hits_total{cache="example"} 3"#), "\(text)")
        #expect(text.contains(#"octoisp_cache_misses_total{cache="example"} 3"#), "\(text)")
    }

    @Test func aKeyOfOneProviderNeverAnswersAnother() {
        let cache = ProviderCache<String>(name: "example", lifetime: 60)
        let one = UUID(), two = UUID()
        let now = Date()
        cache.store("one's", provider: one, key: "same", now: now, ticket: cache.ticket())
        #expect(cache.value(provider: two, key: "same", now: now) == nil)
        cache.store("two's", provider: two, key: "same", now: now, ticket: cache.ticket())
        #expect(cache.value(provider: one, key: "same", now: now) == "one's")
        #expect(cache.value(provider: two, key: "same", now: now) == "two's")
        cache.forget(provider: one)
        #expect(cache.value(provider: one, key: "same", now: now) == nil)
        #expect(cache.value(provider: two, key: "same", now: now) == "two's")
        cache.forget(provider: two, key: "other")
        #expect(cache.holds(provider: two, key: "same"))
        cache.forget(provider: two, key: "same")
        #expect(!cache.holds(provider: two, key: "same"))
    }

    @Test func aReadThatRacedAnInvalidationIsNotStored() {
        let cache = ProviderCache<Int>(name: "example", lifetime: 60)
        let provider = UUID()
        let now = Date()
        // The read began, then the row changed and its invalidation was handled, then the read finished.
        let ticket = cache.ticket()
        cache.forget(provider: provider, key: "k")
        cache.store(1, provider: provider, key: "k", now: now, ticket: ticket)
        #expect(!cache.holds(provider: provider, key: "k"))
        // An invalidation of anything counts (forget of another provider, or everything).
        let second = cache.ticket()
        cache.forgetAll()
        cache.store(1, provider: provider, key: "k", now: now, ticket: second)
        #expect(!cache.holds(provider: provider, key: "k"))
        cache.store(2, provider: provider, key: "k", now: now, ticket: cache.ticket())
        #expect(cache.value(provider: provider, key: "k", now: now) == 2)
    }

    @Test func aFullCacheDropsExpiredEntriesFirstAndNeverExceedsItsCapacity() {
        let cache = ProviderCache<Int>(name: "example", lifetime: 10, capacity: 3)
        let provider = UUID()
        let start = Date()
        cache.store(0, provider: provider, key: "old", now: start, ticket: cache.ticket())
        let later = start.addingTimeInterval(20)
        cache.store(1, provider: provider, key: "a", now: later, ticket: cache.ticket())
        cache.store(2, provider: provider, key: "b", now: later, ticket: cache.ticket())
        // Full: the expired entry goes, the fresh ones stay.
        cache.store(3, provider: provider, key: "c", now: later, ticket: cache.ticket())
        #expect(cache.count == 3)
        #expect(!cache.holds(provider: provider, key: "old"))
        #expect(cache.value(provider: provider, key: "a", now: later) == 1)
        for index in 0..<10 { cache.store(index, provider: provider, key: "n\(index)", now: later, ticket: cache.ticket()) }
        #expect(cache.count <= 3)
        #expect(cache.value(provider: provider, key: "n9", now: later) == 9)
    }

    @Test func aLifetimeOfZeroKeepsNothing() {
        let cache = ProviderCache<Int>(name: "example", lifetime: 0)
        let provider = UUID()
        cache.store(1, provider: provider, key: "k", now: Date(), ticket: cache.ticket())
        #expect(!cache.isEnabled)
        #expect(cache.count == 0)
        #expect(cache.value(provider: provider, key: "k", now: Date()) == nil)
    }

    @Test func cachesOffTurnsEveryACSCacheOff() {
        #expect(!ACSConfiguration.cachesOff([:]))
        #expect(ACSConfiguration.cachesOff(["OCTOISP_CACHES": "0"]))
        #expect(ACSConfiguration.cachesOff(["OCTOISP_CACHES": "off"]))
        #expect(!ACSConfiguration.cachesOff(["OCTOISP_CACHES": "1"]))
        let off = ACSConfiguration(environment: ["OCTOISP_CACHES": "0", "OCTOISP_CWMP_CREDENTIAL_CACHE": "30"])
        #expect(off.credentialCacheSeconds == 0 && off.slugCacheSeconds == 0)
        #expect(ACSConfiguration(environment: ["OCTOISP_CWMP_PROVIDER_CACHE": "120"]).slugCacheSeconds == 120)
        #expect(ACSConfiguration(environment: [:]).slugCacheSeconds == 30)
    }
}
