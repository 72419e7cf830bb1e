import Foundation
import NetTools

/// Where the ACS may send a connection request. A CPE names its ConnectionRequestURL itself, so the
/// URL is trusted only when its host is the address the CPE's Inform came from (or inside a CIDR the
/// operator allows), and never inside a denied range: loopback services, link-local, multicast, the
/// platform's own listen addresses (`OCTOISP_OUTBOUND_DENY`). A host name is resolved once and the
/// request goes to the address that passed (pinned), so DNS cannot swap it afterwards.
public struct OutboundPolicy: Sendable, Hashable {
    /// An IPv4 or IPv6 network (the range type shared with the network tools' target guard).
    public typealias CIDR = IPNetwork

    /// The ranges denied by default: the host's own loopback services (127.0.0.0/24 and ::1; the rest of
    /// 127/8 is where test CPEs live), "this network", link-local and multicast.
    public static let defaultDeny = IPNetwork.defaultDeny

    /// Never contacted.
    public var deny: [CIDR]
    /// Contacted even when the Inform came from elsewhere (a CPE behind a known NAT, a management network).
    public var allow: [CIDR]

    /// Creates a policy.
    public init(deny: [CIDR] = OutboundPolicy.defaultDeny, allow: [CIDR] = []) {
        self.deny = deny
        self.allow = allow
    }

    /// From `OCTOISP_OUTBOUND_DENY` (replaces the defaults) and `OCTOISP_CR_ALLOW` (comma-separated CIDRs),
    /// plus the platform's own listen hosts.
    public init(environment: [String: String], listenHosts: [String] = []) {
        func list(_ name: String) -> [CIDR]? {
            environment[name].map { $0.split(separator: ",").compactMap { CIDR(String($0)) } }
        }
        let own = listenHosts.compactMap { host -> CIDR? in
            guard let bytes = Self.bytes(of: host), bytes.contains(where: { $0 != 0 }) else { return nil }
            return CIDR(host)
        }
        self.init(deny: (list("OCTOISP_OUTBOUND_DENY") ?? Self.defaultDeny) + own, allow: list("OCTOISP_CR_ALLOW") ?? [])
    }

    /// Why a URL is refused.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// A sentence for the log and the task.
        public let description: String
    }

    /// The address to connect to for `url`, reported by a CPE whose Inform came from `source`.
    /// `resolve` turns a host name into addresses (injected for tests).
    public func target(for url: URL, informedFrom source: String?,
                       resolve: (String) async throws -> [String] = OutboundPolicy.resolve) async throws(Refusal) -> String {
        guard url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty else {
            throw Refusal(description: "ConnectionRequestURL must be an http URL with a host")
        }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let candidates: [String]
        if Self.bytes(of: bare) != nil {
            candidates = [bare]
        } else {
            do { candidates = try await resolve(bare) } catch { throw Refusal(description: "\(bare) does not resolve: \(error)") }
        }
        let sourceBytes = source.flatMap(Self.bytes(of:))
        for candidate in candidates {
            guard let bytes = Self.bytes(of: candidate) else { continue }
            if let denied = deny.first(where: { $0.contains(bytes) }) {
                throw Refusal(description: "ConnectionRequestURL host \(candidate) is in the denied range \(denied)")
            }
            if bytes == sourceBytes || allow.contains(where: { $0.contains(bytes) }) { return candidate }
        }
        throw Refusal(description: "ConnectionRequestURL host \(bare) is not the address the CPE informs from (\(source ?? "unknown"))")
    }

    /// The bytes of an IPv4 or IPv6 literal (an IPv4-mapped IPv6 address becomes IPv4).
    static func bytes(of text: String) -> [UInt8]? { IPNetwork.bytes(of: text) }

    /// Resolves `host` with the system resolver (on a thread of its own).
    public static func resolve(_ host: String) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var result: UnsafeMutablePointer<addrinfo>?
                let status = getaddrinfo(host, nil, &hints, &result)
                guard status == 0, let first = result else {
                    continuation.resume(throwing: Refusal(description: "getaddrinfo failed (\(status))"))
                    return
                }
                defer { freeaddrinfo(first) }
                var addresses: [String] = []
                var pointer: UnsafeMutablePointer<addrinfo>? = first
                while let info = pointer {
                    var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                    if getnameinfo(info.pointee.ai_addr, info.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                        addresses.append(String(cString: buffer))
                    }
                    pointer = info.pointee.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }
}
