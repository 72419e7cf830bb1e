import Metrics
import Synchronization

/// The gauges of one connection pool (Prometheus: `octoisp_db_pool_in_use{pool}`,
/// `octoisp_db_pool_waiting{pool}`, `octoisp_db_pool_size{pool}`, with `pool` = `app`, `global` or `read`).
/// A caller is waiting from the moment it asks for a connection until its body runs, and holds one
/// until its transaction has committed or rolled back.
struct PoolGauges: Sendable {
    let inUse: Meter
    let waiting: Meter

    init(pool: String, size: Int) {
        inUse = Meter(label: "octoisp_db_pool_in_use", dimensions: [("pool", pool)])
        waiting = Meter(label: "octoisp_db_pool_waiting", dimensions: [("pool", pool)])
        inUse.set(0)
        waiting.set(0)
        Gauge(label: "octoisp_db_pool_size", dimensions: [("pool", pool)]).record(size)
    }

    /// One request for a connection: ``entered()`` when the body starts.
    final class Lease: Sendable {
        let gauges: PoolGauges
        let state = Atomic<Bool>(false)

        init(_ gauges: PoolGauges) { self.gauges = gauges }

        /// The connection is in hand.
        func entered() {
            guard !state.exchange(true, ordering: .relaxed) else { return }
            gauges.waiting.decrement()
            gauges.inUse.increment()
        }
    }

    /// Runs `operation`, counting it as waiting until it calls ``Lease/entered()`` and in use after.
    func track<R>(_ operation: (Lease) async throws -> R) async rethrows -> R {
        waiting.increment()
        let lease = Lease(self)
        defer { if lease.state.load(ordering: .relaxed) { inUse.decrement() } else { waiting.decrement() } }
        return try await operation(lease)
    }
}
