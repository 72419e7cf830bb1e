/// An IPv4 address as a 32-bit number.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address in host order.
    public var value: UInt32

    /// Wraps a number.
    public init(_ value: UInt32) {
        self.value = value
    }

    /// Parses dotted-quad text; `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt32(part), octet < 256 else { return nil }
            value = value << 8 | octet
        }
        self.value = value
    }

    /// Dotted-quad text.
    public var description: String {
        "\(value >> 24).\((value >> 16) & 255).\((value >> 8) & 255).\(value & 255)"
    }

    /// Orders numerically.
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }
}

/// An IPv4 network in CIDR notation, limited to what one discovery sweep may cover.
public struct IPv4Range: Sendable, Hashable, CustomStringConvertible {
    /// The smallest prefix length a sweep accepts: a /20 is 4,094 hosts.
    public static let shortestPrefix = 20

    /// The network address.
    public var network: IPv4Address
    /// The prefix length.
    public var prefix: Int

    /// Parses `a.b.c.d/n` (a bare address is a /32); host bits are cleared. `nil` when malformed or wider than a /20.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPv4Address(String(parts[0])) else { return nil }
        let prefix = parts.count == 2 ? Int(parts[1]) : 32
        guard let prefix, (Self.shortestPrefix...32).contains(prefix) else { return nil }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        self.network = IPv4Address(address.value & mask)
        self.prefix = prefix
    }

    /// `a.b.c.d/n`.
    public var description: String { "\(network)/\(prefix)" }

    /// The addresses a sweep probes: every host address (network and broadcast excluded below a /31).
    public var hosts: [IPv4Address] {
        let size = UInt32(1) << (32 - prefix)
        let first = network.value
        if size <= 2 { return (0..<size).map { IPv4Address(first + $0) } }
        return (1..<(size - 1)).map { IPv4Address(first + $0) }
    }
}
