import Foundation

/// Topology-aware suppression: an alert on a device behind a down device (its explicit parent, its
/// POP's uplink, and so on up) is suppressed and counted on the root cause's alert. No I/O.
public enum Suppression {
    /// The device each device hangs from: its explicit parent, else its POP's uplink (not itself).
    public static func parents(devices: [(id: UUID, parent: UUID?, uplink: UUID?)]) -> [UUID: UUID] {
        var result: [UUID: UUID] = [:]
        for device in devices {
            if let parent = device.parent, parent != device.id {
                result[device.id] = parent
            } else if let uplink = device.uplink, uplink != device.id {
                result[device.id] = uplink
            }
        }
        return result
    }

    /// For every device behind a down device, the topmost down ancestor (the root cause). Cycles and
    /// chains deeper than 32 stop the walk.
    public static func roots(parents: [UUID: UUID], down: Set<UUID>) -> [UUID: UUID] {
        var result: [UUID: UUID] = [:]
        for device in parents.keys {
            var seen: Set<UUID> = [device]
            var current = device
            var root: UUID?
            while let parent = parents[current], seen.insert(parent).inserted, seen.count <= 32 {
                if down.contains(parent) { root = parent }
                current = parent
            }
            if let root { result[device] = root }
        }
        return result
    }
}
