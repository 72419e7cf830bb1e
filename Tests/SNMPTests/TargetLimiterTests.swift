import NIOCore
import Synchronization
import Testing
@testable import SNMP

@Suite("Per-target concurrency limit")
struct TargetLimiterTests {
    @Test func waitsForAFreeSlot() async throws {
        let limiter = TargetLimiter(limit: 2)
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 161)
        let other = try SocketAddress(ipAddress: "127.0.0.2", port: 161)
        await limiter.acquire(address)
        await limiter.acquire(address)
        // Another agent is not affected.
        await limiter.acquire(other)
        let entered = Flag()
        let waiter = Task {
            await limiter.acquire(address)
            entered.set()
        }
        try await Task.sleep(for: .milliseconds(50))
        let early = entered.isSet
        #expect(!early)
        limiter.release(address)
        await waiter.value
        let late = entered.isSet
        #expect(late)
        limiter.release(address)
        limiter.release(address)
        limiter.release(other)
    }
}

final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
