import Foundation
import OctoStore
import PostgresNIO
import Synchronization

/// A provider's device list as the evaluation reads it, kept between evaluations: reading and decoding
/// 50,000 devices was the largest fixed cost of an evaluation, and the list rarely changes.
///
/// Each evaluation reads the provider's marker — the count, `bit_xor` and maximum of the devices'
/// `topology_stamp` (a sequence value the row takes on insert and whenever its name, kind, POP or parent
/// changes; migration 0151) — and the POPs' uplinks (a few rows), and reads the list again only when
/// either moved. The marker is a function of the committed rows, so a change is seen by the next
/// evaluation whatever order transactions commit in; a full pass (``AlertEvaluator/Incremental/fullEvery``)
/// reads the list regardless.
public final class DeviceListCache: Sendable {
    struct Marker: Hashable {
        var database: String
        var count: Int64
        var xor: Int64
        var max: Int64
    }

    struct Entry {
        var marker: Marker
        var uplinks: [UUID: UUID]
        var index: AlertEvaluator.DeviceIndex
    }

    let entries = Mutex<[UUID: Entry]>([:])
    /// Lists read from PostgreSQL since the cache was made.
    let reads = Atomic<Int>(0)

    /// Whether lists are kept (false: read each evaluation, as before the cache; for benchmarks).
    let keeps: Bool

    /// Creates an empty cache (evaluators share ``shared`` unless told otherwise).
    public init(keeps: Bool = true) {
        self.keeps = keeps
    }

    /// The process's cache.
    public static let shared = DeviceListCache()

    /// Forgets every provider's list (the next evaluation of each reads it).
    public func reset() {
        entries.withLock { $0.removeAll() }
    }

    /// The provider's devices: the kept list when its marker and uplinks are unchanged and `reread` is
    /// false, else read now (and kept).
    func index(provider: UUID?, reread: Bool, in tx: Transaction) async throws -> AlertEvaluator.DeviceIndex {
        var marker: Marker?
        for try await (database, count, xor, max) in try await tx.query("""
            SELECT current_database(), count(*), coalesce(bit_xor(topology_stamp), 0), coalesce(max(topology_stamp), 0) FROM devices
            """).decode((String, Int64, Int64, Int64).self) {
            marker = Marker(database: database, count: count, xor: xor, max: max)
        }
        var uplinks: [UUID: UUID] = [:]
        for try await (pop, uplink) in try await tx.query("SELECT id, uplink_device_id FROM pops WHERE uplink_device_id IS NOT NULL")
            .decode((UUID, UUID).self) {
            uplinks[pop] = uplink
        }
        if keeps, !reread, let provider, let marker, let kept = entries.withLock({ $0[provider] }), kept.marker == marker {
            if kept.uplinks == uplinks { return kept.index }
            let index = Self.withUplinks(kept.index.devices, uplinks)
            entries.withLock { $0[provider] = Entry(marker: marker, uplinks: uplinks, index: index) }
            return index
        }
        let index = Self.withUplinks(try await read(in: tx), uplinks)
        if keeps, let provider, let marker { entries.withLock { $0[provider] = Entry(marker: marker, uplinks: uplinks, index: index) } }
        return index
    }

    static func withUplinks(_ devices: [AlertEvaluator.DeviceInfo], _ uplinks: [UUID: UUID]) -> AlertEvaluator.DeviceIndex {
        var devices = devices
        for position in devices.indices { devices[position].uplink = devices[position].popId.flatMap { uplinks[$0] } }
        return AlertEvaluator.DeviceIndex(devices)
    }

    /// Every device of the provider. Read as one row of arrays: tens of thousands of rows cost more to
    /// receive and decode one by one than the evaluation that uses them. A missing POP or parent travels
    /// as the nil UUID (arrays carry no optional elements here), which no row's `gen_random_uuid()` id can be.
    func read(in tx: Transaction) async throws -> [AlertEvaluator.DeviceInfo] {
        reads.add(1, ordering: .relaxed)
        let none = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        let rows = try await tx.query("""
            SELECT coalesce(array_agg(id), '{}'), coalesce(array_agg(name), '{}'), coalesce(array_agg(kind), '{}'),
                   coalesce(array_agg(coalesce(pop_id, \(none))), '{}'), coalesce(array_agg(coalesce(parent_device_id, \(none))), '{}')
            FROM devices
            """).decode(([UUID], [String], [String], [UUID], [UUID]).self)
        var devices: [AlertEvaluator.DeviceInfo] = []
        for try await (ids, names, kinds, pops, parents) in rows {
            devices.reserveCapacity(ids.count)
            for index in ids.indices {
                devices.append(.init(id: ids[index], name: names[index], kind: kinds[index], popId: pops[index] == none ? nil : pops[index],
                                     parent: parents[index] == none ? nil : parents[index], uplink: nil))
            }
        }
        return devices
    }
}
