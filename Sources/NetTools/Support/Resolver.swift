import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Turns a target (an address literal or a host name) into addresses with the system resolver, on a
/// thread of its own, and times it.
public enum Resolver {
    /// The addresses of `host` (IPv4 first, then IPv6), and how long the lookup took in milliseconds
    /// (0 for a literal).
    public static func resolve(_ host: String) async throws -> (addresses: [String], milliseconds: Double) {
        if IPNetwork.bytes(of: host) != nil { return ([host], 0) }
        return try await BlockingThread.run(name: "nettools-resolve") { try resolveBlocking(host) }
    }

    /// The blocking lookup.
    public static func resolveBlocking(_ host: String) throws -> (addresses: [String], milliseconds: Double) {
        if IPNetwork.bytes(of: host) != nil { return ([host], 0) }
        let start = ContinuousClock.now
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0, let first = result else {
            throw NetToolError(.resolutionFailed, "\(host) does not resolve (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(first) }
        var v4: [String] = []
        var v6: [String] = []
        var pointer: UnsafeMutablePointer<addrinfo>? = first
        while let info = pointer {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(cString: buffer)
                if info.pointee.ai_family == AF_INET { if !v4.contains(text) { v4.append(text) } } else if !v6.contains(text) { v6.append(text) }
            }
            pointer = info.pointee.ai_next
        }
        return (v4 + v6, Durations.milliseconds(ContinuousClock.now - start))
    }

    /// The first IPv4 address of `host`.
    public static func ipv4(_ host: String) async throws -> IPv4Address {
        if let literal = IPv4Address(host) { return literal }
        let (addresses, _) = try await resolve(host)
        guard let first = addresses.lazy.compactMap(IPv4Address.init).first else {
            throw NetToolError(.resolutionFailed, "\(host) has no IPv4 address", field: "target")
        }
        return first
    }
}

/// Duration arithmetic shared by the tools.
enum Durations {
    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func rounded(_ value: Double, _ places: Double = 1000) -> Double {
        (value * places).rounded() / places
    }
}
