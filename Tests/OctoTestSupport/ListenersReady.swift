import Foundation
import OctoStore
import Synchronization

/// Tells a test when its ``EventListener``s listen: each hands its cache ``CacheInvalidation/everything``
/// once its `LISTEN` is in effect, so the test waits for that rather than sleeping a guessed while.
public final class ListenersReady: Sendable {
    let ready = Mutex(0)

    public init() {}

    /// `invalidate`, counting the listener ready at its first ``CacheInvalidation/everything``.
    public func observing(_ invalidate: @escaping @Sendable (CacheInvalidation) async -> Void) -> @Sendable (CacheInvalidation) async -> Void {
        let counted = Mutex(false)
        return { item in
            await invalidate(item)
            guard item == .everything else { return }
            let first = counted.withLock { seen in
                defer { seen = true }
                return !seen
            }
            if first { self.ready.withLock { $0 += 1 } }
        }
    }

    /// Waits until `listeners` listen; fails after `seconds`.
    public func wait(for listeners: Int, within seconds: Double = 30) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ready.withLock({ $0 }) < listeners {
            guard ContinuousClock.now < deadline else { throw TestSetupError("\(listeners) listeners did not listen within \(seconds) s") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
