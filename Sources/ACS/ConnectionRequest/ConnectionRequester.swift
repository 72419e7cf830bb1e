import CPEReach
import Crypto
import Foundation
import Logging
import Metrics
import NIOHTTP1
import OctoCore
import OctoStore
import PostgresNIO

/// Asks a device to open a CWMP session now, by the first path that fits what the device reported:
/// 1. XMPP (TR-069 Annex K) when it reported a ConnReqJabberID and the provider has an XMPP account:
///    the `<connectionRequest>` IQ through the ACS's session to the provider's XMPP server;
/// 2. UDP (Annex G / TR-111) when it is behind NAT (`NATDetected`, or no ConnectionRequestURL) and its
///    UDP address is known, from the STUN server's binding or its UDPConnectionRequestAddress: a
///    signed `GET` datagram, sent a few times;
/// 3. HTTP: a GET to its ConnectionRequestURL, answering a Digest challenge (never Basic: the password
///    would travel in clear).
/// A path that fails hands over to the next. The HTTP URL and the UDP address are the CPE's own claims,
/// so each must pass the ``OutboundPolicy`` (its host is the address the device informs from, never a
/// denied range) and the request goes to the address that passed. The XMPP server is the operator's
/// own setting and is not judged by it. At most one request per device per
/// ``ConnectionRequestSettings/minimumInterval``, across processes (the time of the last one is kept in
/// `cwmp_devices`), whatever the path.
public struct ConnectionRequester: Sendable {
    /// What a request achieved.
    public enum Outcome: Sendable, Hashable, CustomStringConvertible {
        /// The device answered 200 or 204: it will open a session.
        case accepted(status: Int)
        /// The UDP request went out (`copies` datagrams); UDP has no answer.
        case sent(copies: Int)
        /// The CPE answered the XMPP IQ with `result`: it will open a session.
        case acknowledged
        /// The XMPP IQ got an error (the condition: `not-authorized`, `service-unavailable`…).
        case rejected(String)
        /// Another request went to the device less than the minimum interval ago.
        case rateLimited
        /// The device reported no way to reach it (or the provider has no such device).
        case unreachable
        /// The device answered with another status (401 after the challenge: wrong credentials).
        case refused(status: Int)
        /// No answer: timeout, connection refused, bad URL or address.
        case failed(String)

        /// Whether the device was (or will be, for UDP) asked successfully.
        public var succeeded: Bool {
            switch self {
            case .accepted, .sent, .acknowledged: true
            default: false
            }
        }

        /// A short text for the task and the log.
        public var description: String {
            switch self {
            case .accepted(let status): "accepted (\(status))"
            case .sent(let copies): "sent (\(copies) datagrams)"
            case .acknowledged: "acknowledged"
            case .rejected(let condition): "rejected (\(condition))"
            case .rateLimited: "rate limited"
            case .unreachable: "unreachable"
            case .refused(let status): "refused (\(status))"
            case .failed(let reason): "failed: \(reason)"
            }
        }
    }

    /// How a device was asked.
    public enum Path: String, Sendable, Hashable, Codable, CaseIterable {
        /// HTTP GET to the ConnectionRequestURL.
        case http
        /// UDP datagram through the STUN binding.
        case udp
        /// XMPP IQ to the ConnReqJabberID.
        case xmpp
        /// Nothing was sent (rate limited, no path).
        case none
    }

    /// One request: the path used last, its outcome and how long the whole request took.
    public struct Attempt: Sendable, Hashable {
        /// The path of the outcome (the last one tried).
        public var path: Path
        /// The outcome.
        public var outcome: Outcome
        /// Seconds from the start of the request to its outcome.
        public var seconds: Double
        /// Earlier paths that failed, with their outcomes.
        public var fallbacks: [String] = []
    }

    /// What the ACS knows of a device's ways in.
    struct Target: Sendable {
        var url: String?
        var source: String?
        var udp: (host: String, port: Int)?
        var natDetected: Bool
        var jabberID: String?
        var credential: ConnectionRequestCredential?
        var xmpp: XMPPConnection.Account?
    }

    let database: Database
    let secrets: SecretBox?
    let settings: ConnectionRequestSettings
    let clock: any WallClock
    let logger: Logger
    let xmpp: XMPPConnector?
    let metrics: any MetricsFactory

    /// Creates a requester; without `secrets` it can only use devices that need no credentials, without
    /// `xmpp` it never uses XMPP. Its metrics go to `metrics` (the process's bootstrapped factory by default).
    public init(database: Database, secrets: SecretBox?, settings: ConnectionRequestSettings = ConnectionRequestSettings(),
                clock: any WallClock, logger: Logger, xmpp: XMPPConnector? = nil, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.database = database
        self.secrets = secrets
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.xmpp = xmpp
        self.metrics = metrics
    }

    /// Sends one connection request to `device` of `provider`.
    public func request(device: UUID, provider: UUID) async -> Outcome {
        await attempt(device: device, provider: provider).outcome
    }

    /// Sends one connection request to `device` of `provider` and says how it went; with `task`, the
    /// path, outcome and duration are recorded on that task, and every attempt is counted in the
    /// `octoisp_acs_connection_requests_total` / `octoisp_acs_connection_request_seconds` metrics.
    public func attempt(device: UUID, provider: UUID, task: UUID? = nil) async -> Attempt {
        let start = ContinuousClock.now
        var result = await run(device: device, provider: provider)
        let elapsed = ContinuousClock.now - start
        result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let kind = result.outcome.succeeded ? "ok" : {
            switch result.outcome {
            case .rateLimited: "rate_limited"
            case .unreachable: "unreachable"
            default: "failed"
            }
        }()
        Counter(label: "octoisp_acs_connection_requests_total", dimensions: [("path", result.path.rawValue), ("outcome", kind)], factory: metrics)
            .increment()
        if result.path != .none {
            Timer(label: "octoisp_acs_connection_request_seconds", dimensions: [("path", result.path.rawValue)], factory: metrics)
                .recordNanoseconds(Int64(result.seconds * 1e9))
        }
        if let task {
            var text = result.outcome.description
            if !result.fallbacks.isEmpty { text += " after " + result.fallbacks.joined(separator: ", ") }
            let outcome = String(text.prefix(500))
            let milliseconds = Int(result.seconds * 1000)
            do {
                try await database.withTenant(provider, logger: logger) { tx in
                    try await tx.query("""
                        UPDATE acs_tasks SET connection_request_path = \(result.path.rawValue), connection_request_outcome = \(outcome),
                            connection_request_ms = \(milliseconds), connection_request_at = \(clock.now)
                        WHERE id = \(task) AND device_id = \(device)
                        """)
                }
            } catch {
                logger.error("recording the connection request on the task failed", metadata: ["task.id": "\(task.lowercased)", "error": "\(error)"])
            }
        }
        return result
    }

    func run(device: UUID, provider: UUID) async -> Attempt {
        var metadata: Logger.Metadata = ["provider.id": "\(provider.lowercased)", "device.id": "\(device.lowercased)"]
        let found: Target?
        do {
            found = try await database.withTenant(provider, logger: logger) { tx in try await target(device: device, tx: tx) }
        } catch {
            metadata["error"] = "\(String(reflecting: error))"
            logger.error("connection request failed", metadata: metadata)
            return Attempt(path: .none, outcome: .failed("the device's connection-request facts could not be read"), seconds: 0)
        }
        guard let target = found else {
            let known: Bool?
            do {
                known = try await database.withTenant(provider, logger: logger) { tx in
                    try await tx.query("SELECT 1 FROM cwmp_devices WHERE device_id = \(device)").acsFirst { _ in true }
                }
            } catch {
                // A failed read is not "no device": the attempt fails and says why.
                metadata["error"] = "\(String(reflecting: error))"
                logger.error("connection request failed", metadata: metadata)
                return Attempt(path: .none, outcome: .failed("the device's connection-request facts could not be read"), seconds: 0)
            }
            return Attempt(path: .none, outcome: known == true ? .rateLimited : .unreachable, seconds: 0)
        }
        var paths: [Path] = []
        if target.jabberID != nil, target.xmpp != nil, xmpp != nil { paths.append(.xmpp) }
        if target.udp != nil, target.natDetected || target.url == nil { paths.append(.udp) }
        if target.url != nil { paths.append(.http) }
        guard !paths.isEmpty else { return Attempt(path: .none, outcome: .unreachable, seconds: 0) }
        var fallbacks: [String] = []
        var last = Attempt(path: .none, outcome: .unreachable, seconds: 0)
        for path in paths {
            let outcome: Outcome
            switch path {
            case .xmpp: outcome = await sendXMPP(target)
            case .udp: outcome = await sendUDP(target)
            case .http: outcome = await send(to: target.url ?? "", source: target.source, credential: target.credential)
            case .none: continue
            }
            metadata["path"] = "\(path.rawValue)"
            metadata["outcome"] = "\(outcome)"
            logger.info("connection request sent", metadata: metadata)
            last = Attempt(path: path, outcome: outcome, seconds: 0, fallbacks: fallbacks)
            if outcome.succeeded { break }
            fallbacks.append("\(path.rawValue) \(outcome)")
        }
        return last
    }

    /// Takes the per-device rate limit and reads what the device reported; nil when rate limited or unknown.
    func target(device: UUID, tx: Transaction) async throws -> Target? {
        let now = clock.now
        let row = try await tx.query("""
            UPDATE cwmp_devices SET last_connection_request_at = \(now)
            WHERE device_id = \(device)
              AND (last_connection_request_at IS NULL OR last_connection_request_at <= \(now.addingTimeInterval(-settings.minimumInterval)))
            RETURNING connection_request_url, host(external_ip) AS source, root,
                CASE WHEN stun_seen_at > \(now.addingTimeInterval(-settings.stunBindingLifetime)) THEN host(stun_address) END AS stun_host, stun_port
            """).acsFirst { row in
                (try row.acsColumn("connection_request_url", as: String?.self), try row.acsColumn("source", as: String?.self),
                 try row.acsColumn("root", as: String.self), try row.acsColumn("stun_host", as: String?.self),
                 try row.acsColumn("stun_port", as: Int32?.self))
            }
        guard let (url, source, root, stunHost, stunPort) = row else { return nil }
        var reported: [String: String] = [:]
        let names = ["UDPConnectionRequestAddress", "NATDetected", "ConnReqJabberID"]
        let rows = try await tx.query("""
            SELECT path, value FROM device_parameters WHERE device_id = \(device) AND path = ANY(\(names.map { root + "ManagementServer." + $0 }))
            """).acsRows { (try $0.acsColumn("path", as: String.self), try $0.acsColumn("value", as: String?.self)) }
        for (path, value) in rows {
            if let value, !value.isEmpty, let name = path.split(separator: ".").last { reported[String(name)] = value }
        }
        var udp: (String, Int)?
        if let stunHost, let stunPort {
            udp = (stunHost, Int(stunPort))
        } else if let text = reported["UDPConnectionRequestAddress"] {
            udp = Self.hostPort(text)
        }
        let jabberID = reported["ConnReqJabberID"]
        return Target(url: url, source: source, udp: udp, natDetected: reported["NATDetected"].map { $0 == "1" || $0.lowercased() == "true" } ?? false,
                      jabberID: jabberID, credential: try await tx.connectionRequestCredentials.credential(for: device, secrets: secrets),
                      xmpp: jabberID == nil ? nil : try await tx.xmppAccount.account(secrets: secrets))
    }

    /// `host:port` or `[v6]:port` (UDPConnectionRequestAddress); the port defaults to 80 as TR-069 says.
    static func hostPort(_ text: String) -> (String, Int)? {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            let port = rest.hasPrefix(":") ? Int(rest.dropFirst()) : 80
            guard let port, (1...65535).contains(port) else { return nil }
            return (host, port)
        }
        let parts = text.split(separator: ":")
        guard parts.count <= 2, let host = parts.first, !host.isEmpty else { return nil }
        let port = parts.count == 2 ? Int(parts[1]) : 80
        guard let port, (1...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// The signed datagram, a few copies, to the address the policy allows.
    func sendUDP(_ target: Target) async -> Outcome {
        guard let (host, port) = target.udp else { return .unreachable }
        let literal = host.contains(":") ? "[\(host)]" : host
        guard let url = URL(string: "http://\(literal):\(port)/") else { return .failed("UDP address \(host):\(port) is not usable") }
        let address: String
        do {
            address = try await settings.outbound.target(for: url, informedFrom: target.source)
        } catch {
            return .failed("refused by the outbound policy: \(error)")
        }
        let credential = target.credential ?? ConnectionRequestCredential(username: "", password: "")
        let message = UDPConnectionRequest.signed(timestamp: UInt64(max(0, clock.now.timeIntervalSince1970)),
                                                  username: credential.username, password: credential.password)
        do {
            try await UDPSend.send(message.datagram(host: host, port: port), to: address, port: port, copies: settings.udpCopies,
                                   spacing: settings.udpSpacing)
            return .sent(copies: settings.udpCopies)
        } catch {
            return .failed("\(error)")
        }
    }

    /// The Annex K IQ through the provider's XMPP session.
    func sendXMPP(_ target: Target) async -> Outcome {
        guard let xmpp, let account = target.xmpp, let jid = target.jabberID else { return .unreachable }
        let credential = target.credential ?? ConnectionRequestCredential(username: "", password: "")
        do {
            switch try await xmpp.connectionRequest(account: account, to: jid, username: credential.username, password: credential.password,
                                                    timeout: settings.timeout) {
            case .result: return .acknowledged
            case .error(let condition): return .rejected(condition)
            }
        } catch {
            return .failed("\(error)")
        }
    }

    /// The GET to the address the policy allows, answering one Digest challenge.
    func send(to text: String, source: String?, credential: ConnectionRequestCredential?) async -> Outcome {
        guard let url = URL(string: text) else { return .failed("ConnectionRequestURL is not a URL") }
        let address: String
        do {
            address = try await settings.outbound.target(for: url, informedFrom: source)
        } catch {
            return .failed("refused by the outbound policy: \(error)")
        }
        do {
            let first = try await HTTPGet.get(url, address: address, headers: [], timeout: settings.timeout)
            if first.status == 200 || first.status == 204 { return .accepted(status: first.status) }
            guard first.status == 401, let credential else { return .refused(status: first.status) }
            let challenges = first.headers["WWW-Authenticate"]
            let authorization: String
            if let digest = challenges.first(where: { $0.lowercased().hasPrefix("digest ") }) {
                let parameters = HTTPAuthenticator.parseParameters(String(digest.dropFirst(7)))
                authorization = Self.digest(parameters, credential: credential, uri: Self.requestURI(url))
            } else {
                // Basic (or anything but Digest) would hand the password to whoever answers.
                return .refused(status: 401)
            }
            let second = try await HTTPGet.get(url, address: address, headers: [("Authorization", authorization)], timeout: settings.timeout)
            return second.status == 200 || second.status == 204 ? .accepted(status: second.status) : .refused(status: second.status)
        } catch {
            return .failed("\(error)")
        }
    }

    static func requestURI(_ url: URL) -> String {
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        return path
    }

    /// An RFC 7616 MD5 Digest answer (`qop=auth` when offered).
    static func digest(_ challenge: [String: String], credential: ConnectionRequestCredential, uri: String) -> String {
        let realm = challenge["realm"] ?? ""
        let nonce = challenge["nonce"] ?? ""
        let ha1 = HTTPAuthenticator.md5("\(credential.username):\(realm):\(credential.password)")
        let ha2 = HTTPAuthenticator.md5("GET:\(uri)")
        var header = "Digest username=\"\(credential.username)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(uri)\", algorithm=MD5"
        let offersAuth = challenge["qop"]?.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "auth" } ?? false
        if offersAuth {
            let cnonce = HTTPAuthenticator.hex((0..<8).map { _ in UInt8.random(in: 0...255) })
            let response = HTTPAuthenticator.md5("\(ha1):\(nonce):00000001:\(cnonce):auth:\(ha2)")
            header += ", qop=auth, nc=00000001, cnonce=\"\(cnonce)\", response=\"\(response)\""
        } else {
            header += ", response=\"\(HTTPAuthenticator.md5("\(ha1):\(nonce):\(ha2)"))\""
        }
        if let opaque = challenge["opaque"] { header += ", opaque=\"\(opaque)\"" }
        return header
    }
}
