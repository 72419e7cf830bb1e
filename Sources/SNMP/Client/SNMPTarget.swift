import NIOCore

/// How to authenticate to an agent.
public enum SNMPCredentials: Hashable, Sendable {
    /// SNMPv1 with a community string.
    case v1(community: String)
    /// SNMPv2c with a community string.
    case v2c(community: String)
    /// SNMPv3 with a USM user, a security level and an optional context name.
    case v3(user: USMUser, level: SecurityLevel, contextName: String)

    /// The message version these credentials use.
    public var version: SNMPVersion {
        switch self {
        case .v1: return .v1
        case .v2c: return .v2c
        case .v3: return .v3
        }
    }
}

/// An agent to talk to: its UDP address, credentials and retransmission policy.
public struct SNMPTarget: Hashable, Sendable {
    /// The agent's UDP address.
    public var address: SocketAddress
    /// How to authenticate.
    public var credentials: SNMPCredentials
    /// How long to wait for each attempt.
    public var timeout: Duration
    /// How many times to retransmit after the first attempt.
    public var retries: Int

    /// Creates a target.
    public init(address: SocketAddress, credentials: SNMPCredentials, timeout: Duration = .seconds(1),
                retries: Int = 5) {
        self.address = address
        self.credentials = credentials
        self.timeout = timeout
        self.retries = retries
    }

    /// Creates a target from a numeric IPv4/IPv6 address and port.
    public init(host: String, port: Int = 161, credentials: SNMPCredentials, timeout: Duration = .seconds(1),
                retries: Int = 5) throws(SNMPError) {
        do {
            self.address = try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw SNMPError(.invalidArgument, "'\(host)' is not a numeric IP address")
        }
        self.credentials = credentials
        self.timeout = timeout
        self.retries = retries
    }

    /// Parses a net-snmp style agent specification: `[udp:]HOST[:PORT]` or `[udp6:][HOST]:PORT`.
    /// Host names are resolved (blocking).
    public static func parseAddress(_ spec: String, defaultPort: Int = 161) throws(SNMPError) -> SocketAddress {
        var text = Substring(spec)
        for prefix in ["udp:", "udp6:", "udpv6:"] where text.lowercased().hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        var host = String(text)
        var port = defaultPort
        if text.hasPrefix("[") , let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":"), let value = Int(rest.dropFirst()) { port = value }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let value = Int(text[text.index(after: colon)...]) else {
                throw SNMPError(.invalidArgument, "bad port in '\(spec)'")
            }
            port = value
        }
        guard (0...65_535).contains(port) else { throw SNMPError(.invalidArgument, "bad port in '\(spec)'") }
        if let address = try? SocketAddress(ipAddress: host, port: port) { return address }
        do {
            return try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw SNMPError(.invalidArgument, "cannot resolve '\(host)'")
        }
    }
}
