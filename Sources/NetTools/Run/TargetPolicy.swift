/// Decides whether a tool may aim at an address or a network. Every tool asks it after resolving
/// its target and before the first packet, and the HTTP test asks again for every redirect.
public protocol TargetPolicy: Sendable {
    /// Refuses `address` (IPv4 or IPv6 text) with ``NetToolError/Code/targetRefused`` naming `field`.
    func check(address: String, field: String) async throws
    /// Refuses `network` unless it may be swept as a whole.
    func check(network: IPNetwork, field: String) async throws
}

/// Refuses only denied ranges (the platform's own addresses, loopback services, link-local,
/// multicast…): the last line of defence where a run executes, whatever its origin.
public struct DenyListPolicy: TargetPolicy {
    /// Never targeted.
    public var deny: [IPNetwork]

    /// Creates a policy.
    public init(deny: [IPNetwork] = IPNetwork.defaultDeny) {
        self.deny = deny
    }

    /// From `OCTOISP_OUTBOUND_DENY` (replacing the defaults) plus the platform's own listen hosts.
    public init(environment: [String: String], listenHosts: [String] = []) {
        let configured = environment["OCTOISP_OUTBOUND_DENY"].map { $0.split(separator: ",").compactMap { IPNetwork(String($0)) } }
        let own = listenHosts.compactMap { host -> IPNetwork? in
            guard let bytes = IPNetwork.bytes(of: host), bytes.contains(where: { $0 != 0 }) else { return nil }
            return IPNetwork(host)
        }
        self.init(deny: (configured ?? IPNetwork.defaultDeny) + own)
    }

    /// The denied range containing `address`, if any.
    public func deniedRange(of address: String) -> IPNetwork? {
        guard let bytes = IPNetwork.bytes(of: address) else { return nil }
        return deny.first { $0.contains(bytes) }
    }

    public func check(address: String, field: String) async throws {
        if let range = deniedRange(of: address) {
            throw NetToolError(.targetRefused, "\(address) is in the denied range \(range)", field: field)
        }
    }

    public func check(network: IPNetwork, field: String) async throws {
        if let range = deny.first(where: { $0.overlaps(network) }) {
            throw NetToolError(.targetRefused, "\(network) overlaps the denied range \(range)", field: field)
        }
    }
}
