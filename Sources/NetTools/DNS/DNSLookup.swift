#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A DNS lookup against a chosen server.
public struct DNSLookupRequest: Sendable, Hashable, Codable {
    /// The name asked (for PTR, an address literal is turned into its `in-addr.arpa`/`ip6.arpa` name).
    public var name: String
    /// The record type.
    public var type: DNSRecordType
    /// The server: `address` or `address:port` (`[v6]:port`); `nil`: the first nameserver of /etc/resolv.conf.
    public var server: String?
    /// Milliseconds to wait for the answer (100…10000).
    public var timeoutMs: Int
    /// Ask over TCP from the start (otherwise UDP, then TCP when the answer is truncated).
    public var tcp: Bool

    /// Creates a request.
    public init(name: String, type: DNSRecordType = .a, server: String? = nil, timeoutMs: Int = 2000, tcp: Bool = false) {
        self.name = name
        self.type = type
        self.server = server
        self.timeoutMs = timeoutMs
        self.tcp = tcp
    }

    /// Checks the fields; the error names the field.
    public func validate() throws(NetToolError) {
        try Bounds.check(timeoutMs, 100...10_000, "timeoutMs")
        if !(type == .ptr && IPNetwork.bytes(of: name) != nil) {
            let bare = name == "." ? "" : name
            guard bare.isEmpty || Bounds.isHost(bare) else { throw NetToolError(.invalidRequest, "name must be a domain name", field: "name") }
        }
        if let server { _ = try DNSServerAddress(server) }
    }

    /// The name on the wire.
    public var queryName: String {
        guard type == .ptr, let bytes = IPNetwork.bytes(of: name) else { return name }
        if bytes.count == 4 { return bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa" }
        return bytes.reversed().flatMap { [String($0 & 0x0f, radix: 16), String($0 >> 4, radix: 16)] }.joined(separator: ".") + ".ip6.arpa"
    }
}

/// A server address with its port (53 unless given).
public struct DNSServerAddress: Sendable, Hashable {
    /// The address bytes (4 or 16).
    public var address: [UInt8]
    /// The port.
    public var port: UInt16

    /// Parses `192.0.2.1`, `192.0.2.1:5353`, `::1`, `[::1]:5353`.
    public init(_ text: String) throws(NetToolError) {
        let bad = NetToolError(.invalidRequest, "server must be an IP address, optionally with :port", field: "server")
        var host = text
        var port: UInt16 = 53
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":", let value = UInt16(rest.dropFirst()), value > 0 else { throw bad }
                port = value
            }
        } else if text.filter({ $0 == ":" }).count == 1 {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard let value = UInt16(parts[1]), value > 0 else { throw bad }
            host = String(parts[0])
            port = value
        }
        guard let bytes = IPNetwork.bytes(of: host) else { throw bad }
        address = bytes
        self.port = port
    }

    /// The first `nameserver` of /etc/resolv.conf (127.0.0.1 when none).
    public static func system() -> DNSServerAddress {
        let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver", let server = try? DNSServerAddress(String(fields[1])) { return server }
        }
        return try! DNSServerAddress("127.0.0.1")
    }

    /// `address:port` (`[v6]:port`).
    public var description: String {
        address.count == 4 ? "\(IPNetwork.text(of: address)):\(port)" : "[\(IPNetwork.text(of: address))]:\(port)"
    }
}

/// What a DNS lookup got back.
public struct DNSLookupResult: Sendable, Hashable, Codable {
    /// The server asked.
    public var server: String
    /// The name and type asked.
    public var name: String
    public var type: DNSRecordType
    /// `udp` or `tcp` (the transport of the answer).
    public var transport: String
    /// The RCODE's name.
    public var rcode: String
    /// Header flags.
    public var authoritative: Bool
    public var truncated: Bool
    public var recursionAvailable: Bool
    /// DNSSEC: the server says it validated the answer.
    public var authenticData: Bool
    /// The sections.
    public var answers: [DNSRecordView]
    public var authority: [DNSRecordView]
    public var additional: [DNSRecordView]
    /// Milliseconds from sending the query to the answer.
    public var queryTimeMs: Double
}

/// A record as the API shows it.
public struct DNSRecordView: Sendable, Hashable, Codable {
    public var name: String
    public var type: String
    public var ttl: UInt32
    public var data: String
}

/// Sends one query over UDP (falling back to TCP when the answer is truncated) and decodes the answer.
public struct DNSClient: Sendable {
    /// Creates a client.
    public init() {}

    /// Runs the lookup on a thread of its own.
    public func lookup(_ request: DNSLookupRequest) async throws -> DNSLookupResult {
        try await BlockingThread.run(name: "nettools-dns") { try lookupBlocking(request) }
    }

    /// The blocking lookup.
    public func lookupBlocking(_ request: DNSLookupRequest) throws -> DNSLookupResult {
        let server = try request.server.map { text throws(NetToolError) in try DNSServerAddress(text) } ?? DNSServerAddress.system()
        let id = UInt16.random(in: 0...UInt16.max)
        let query = DNSMessage.query(id: id, name: request.queryName, type: request.type).encoded()
        let timeout = Duration.milliseconds(request.timeoutMs)
        let start = ContinuousClock.now
        var transport = "udp"
        var answer: DNSMessage
        if request.tcp {
            transport = "tcp"
            answer = try exchangeTCP(query, server: server, id: id, deadline: start + timeout)
        } else {
            answer = try exchangeUDP(query, server: server, id: id, deadline: start + timeout)
            if answer.truncated {
                transport = "tcp"
                answer = try exchangeTCP(query, server: server, id: id, deadline: ContinuousClock.now + timeout)
            }
        }
        let elapsed = Durations.rounded(Durations.milliseconds(ContinuousClock.now - start))
        func views(_ records: [DNSRecord]) -> [DNSRecordView] {
            records.map { DNSRecordView(name: $0.name, type: $0.type, ttl: $0.ttl, data: $0.data) }
        }
        return DNSLookupResult(server: server.description, name: request.queryName, type: request.type, transport: transport,
                               rcode: answer.rcodeName, authoritative: answer.authoritative, truncated: answer.truncated,
                               recursionAvailable: answer.recursionAvailable, authenticData: answer.authenticData,
                               answers: views(answer.answers), authority: views(answer.authority), additional: views(answer.additional),
                               queryTimeMs: elapsed)
    }

    private func exchangeUDP(_ query: [UInt8], server: DNSServerAddress, id: UInt16, deadline: ContinuousClock.Instant) throws -> DNSMessage {
        let descriptor = try SocketAddressing.connect(server.address, port: server.port, type: Int32(SOCK_DGRAM.rawValue))
        defer { close(descriptor) }
        guard send(descriptor, query, query.count, 0) == query.count else {
            throw NetToolError(.connectionFailed, "cannot send the query to \(server.description): \(String(cString: strerror(errno)))")
        }
        var buffer = [UInt8](repeating: 0, count: 65535)
        while true {
            try SocketAddressing.waitReadable(descriptor, until: deadline, what: "the answer of \(server.description)")
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw NetToolError(.connectionFailed, "\(server.description): \(String(cString: strerror(errno)))")
            }
            // Anything but the answer to this query (a late answer to another, a spoof) is ignored.
            guard let message = try? DNSMessage(decoding: Array(buffer[0..<count])), message.id == id, message.isResponse else { continue }
            return message
        }
    }

    private func exchangeTCP(_ query: [UInt8], server: DNSServerAddress, id: UInt16, deadline: ContinuousClock.Instant) throws -> DNSMessage {
        let descriptor = try SocketAddressing.connect(server.address, port: server.port, type: Int32(SOCK_STREAM.rawValue))
        defer { close(descriptor) }
        let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xff)] + query
        guard send(descriptor, framed, framed.count, Int32(MSG_NOSIGNAL)) == framed.count else {
            throw NetToolError(.connectionFailed, "cannot send the query to \(server.description) over TCP: \(String(cString: strerror(errno)))")
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65535)
        while true {
            if received.count >= 2 {
                let length = Int(received[0]) << 8 | Int(received[1])
                if received.count >= 2 + length {
                    do {
                        let message = try DNSMessage(decoding: Array(received[2..<(2 + length)]))
                        guard message.id == id else { throw NetToolError(.protocolError, "the TCP answer carries another id") }
                        return message
                    } catch let error as DNSDecodeError {
                        throw NetToolError(.protocolError, "unreadable answer: \(error)")
                    }
                }
            }
            try SocketAddressing.waitReadable(descriptor, until: deadline, what: "the TCP answer of \(server.description)")
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { throw NetToolError(.protocolError, "\(server.description) closed the TCP connection before answering") }
            if count < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw NetToolError(.connectionFailed, "\(server.description): \(String(cString: strerror(errno)))")
            }
            received += buffer[0..<count]
        }
    }
}

/// Blocking socket helpers for IPv4 and IPv6 peers.
enum SocketAddressing {
    /// A socket of `type` connected (blocking connect, then non-blocking use) to `address`:`port`.
    static func connect(_ address: [UInt8], port: UInt16, type: Int32) throws -> Int32 {
        let family = address.count == 4 ? AF_INET : AF_INET6
        let descriptor = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw NetToolError(.socketFailed, "cannot open a socket: \(String(cString: strerror(errno)))") }
        var storage = sockaddr_storage()
        let length: Int
        if address.count == 4 {
            length = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { in4 in
                    in4.pointee.sin_family = sa_family_t(AF_INET)
                    in4.pointee.sin_port = port.bigEndian
                    withUnsafeMutableBytes(of: &in4.pointee.sin_addr) { raw in for index in 0..<4 { raw[index] = address[index] } }
                    return MemoryLayout<sockaddr_in>.size
                }
            }
        } else {
            length = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { in6 in
                    in6.pointee.sin6_family = sa_family_t(AF_INET6)
                    in6.pointee.sin6_port = port.bigEndian
                    withUnsafeMutableBytes(of: &in6.pointee.sin6_addr) { raw in for index in 0..<16 { raw[index] = address[index] } }
                    return MemoryLayout<sockaddr_in6>.size
                }
            }
        }
        let result = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(length)) }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw NetToolError(.connectionFailed, "cannot connect to \(IPNetwork.text(of: address)) port \(port): \(message)")
        }
        return descriptor
    }

    /// Waits until `descriptor` is readable; throws a timeout naming `what` at `deadline`.
    static func waitReadable(_ descriptor: Int32, until deadline: ContinuousClock.Instant, what: String) throws {
        while true {
            let left = Durations.milliseconds(deadline - ContinuousClock.now)
            guard left > 0 else { throw NetToolError(.timeout, "no \(what) in time") }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(left.rounded(.up)))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw NetToolError(.socketFailed, "poll failed: \(String(cString: strerror(errno)))") }
        }
    }
}
