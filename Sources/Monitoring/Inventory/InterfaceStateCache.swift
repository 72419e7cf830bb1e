import Foundation
import Synchronization

/// What a poller process last stored of each device's interfaces: the digest of the rows
/// (``InterfaceStateCache/digest(_:)``) and the counter series (octets, errors) of each interface. A poll whose readings
/// have the digest the device row holds (`snmp_devices.interfaces_digest`, read with the poll plan)
/// and this cache holds writes no interface row and registers no series: it only needs the series ids.
///
/// The stored digest is the authority: another process that polled the device meanwhile and wrote other
/// rows also wrote another digest, so a stale entry here is never used. Entries are added only after the
/// transaction that wrote them committed.
public final class InterfaceStateCache: Sendable {
    struct Key: Hashable {
        var provider: UUID
        var device: UUID
    }

    /// The counter series of one interface: octets in and out, and errors in and out where the device
    /// reports them.
    struct Series: Sendable, Hashable {
        var input: Int64
        var output: Int64
        var inErrors: Int64?
        var outErrors: Int64?
    }

    /// One device's stored interface state.
    struct Entry: Sendable {
        var digest: Int64
        var series: [Int: Series]
    }

    private let entries = Mutex<[Key: Entry]>([:])

    /// Creates an empty cache.
    public init() {}

    /// Devices held.
    public var count: Int { entries.withLock { $0.count } }

    func entry(provider: UUID, device: UUID, digest: Int64) -> Entry? {
        entries.withLock { entries in
            guard let entry = entries[Key(provider: provider, device: device)], entry.digest == digest else { return nil }
            return entry
        }
    }

    func store(_ entry: Entry?, provider: UUID, device: UUID) {
        entries.withLock { $0[Key(provider: provider, device: device)] = entry }
    }

    /// A digest of the interface rows the readings make (everything stored but counters and times):
    /// FNV-1a over a canonical text, the same in every process (unlike `Hasher`).
    public static func digest(_ readings: [InterfaceReading]) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0x1f
            hash = hash &* 0x0000_0100_0000_01b3
        }
        func add<T>(_ value: T?) { add(value.map { "\($0)" } ?? "\u{0}") }
        for reading in readings.sorted(by: { $0.ifIndex < $1.ifIndex }) {
            add(reading.ifIndex)
            add(reading.name)
            add(reading.descr)
            add(reading.alias)
            add(reading.type)
            add(reading.mac)
            add(reading.mtu)
            add(reading.speedBitsPerSecond.map { Int64(clamping: $0) })
            add(reading.adminUp)
            add(reading.operStatus)
            add(reading.octetCounterBits)
            // Whether the error counters are reported decides whether their series exist.
            add(reading.inErrors != nil)
            add(reading.outErrors != nil)
            add("\u{1e}")
        }
        return Int64(bitPattern: hash)
    }
}
