#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `::1/128`; a bare address is a host route). The one range
/// type of outbound guards: the ACS's connection-request policy and the network tools' target guard.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The network's address bytes (4 or 16).
    public let bytes: [UInt8]
    /// The prefix length.
    public let prefix: Int

    /// Parses `10.0.0.0/8`, `::1/128` or a bare address (a host route); `nil` when malformed.
    public init?(_ text: String) {
        let trimmed = text.filter { $0 != " " && $0 != "\t" }
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, let bytes = IPNetwork.bytes(of: first) else { return nil }
        let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
        guard let prefix, (0...(bytes.count * 8)).contains(prefix) else { return nil }
        self.bytes = bytes
        self.prefix = prefix
    }

    /// The ranges no outbound connection of the platform goes to by default: the host's own loopback
    /// services (127.0.0.0/24 and ::1; the rest of 127/8 is where test devices live), "this network",
    /// link-local, multicast and broadcast.
    public static let defaultDeny = ["127.0.0.0/24", "::1/128", "0.0.0.0/8", "169.254.0.0/16", "fe80::/10", "224.0.0.0/4", "ff00::/8",
                                     "255.255.255.255/32"].compactMap(IPNetwork.init)

    /// Whether `address` (bytes of the same family) is inside.
    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var remaining = prefix
        for index in bytes.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// Whether the IPv4 `address` is inside.
    public func contains(_ address: IPv4Address) -> Bool {
        contains(address.bytes)
    }

    /// Whether every address of `other` is inside this network.
    public func contains(network other: IPNetwork) -> Bool {
        other.bytes.count == bytes.count && other.prefix >= prefix && contains(other.bytes)
    }

    /// Whether the two networks share at least one address.
    public func overlaps(_ other: IPNetwork) -> Bool {
        contains(network: other) || other.contains(network: self)
    }

    /// The text form.
    public var description: String {
        "\(IPNetwork.text(of: bytes))/\(prefix)"
    }

    /// The bytes of an IPv4 or IPv6 literal (an IPv4-mapped IPv6 address becomes IPv4).
    public static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }

    /// The canonical text of 4 or 16 address bytes.
    public static func text(of bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var storage = in6_addr()
        withUnsafeMutableBytes(of: &storage) { raw in for (index, byte) in bytes.prefix(16).enumerated() { raw[index] = byte } }
        var buffer = [CChar](repeating: 0, count: 64)
        guard inet_ntop(AF_INET6, &storage, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension IPv4Address {
    /// The four bytes in network order.
    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 255), UInt8((value >> 8) & 255), UInt8(value & 255)]
    }
}
