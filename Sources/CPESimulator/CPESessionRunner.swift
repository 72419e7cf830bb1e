import Crypto
import CWMP
import Foundation
import NIOHTTP1

/// Drives CWMP sessions of simulated CPEs against an ACS over HTTP, with Basic or Digest auth and the
/// session cookie.
public struct CPESessionRunner: Sendable {
    /// How the CPE authenticates.
    public enum AuthMode: String, Sendable, CaseIterable {
        /// Basic on every request.
        case basic
        /// Digest after the ACS's challenge.
        case digest
    }

    /// What one session did.
    public struct Report: Sendable, Hashable {
        /// RPCs the ACS asked for.
        public var rpcs: [String] = []
        /// HTTP requests made.
        public var requests = 0
        /// Seconds from the Inform to the final 204.
        public var seconds = 0.0
    }

    /// Why a session failed.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The HTTP status, when one was received.
        public let status: Int?
        /// What happened.
        public let description: String
    }

    /// The endpoint, e.g. `http://127.0.0.1:7547/cwmp/acme`.
    public let acs: URL
    /// User name.
    public let username: String
    /// Password.
    public let password: String
    /// Basic or Digest.
    public let mode: AuthMode
    /// Bytes per `Range` request when fetching a download.
    public var downloadChunkBytes = 64 * 1024
    /// The local address sessions come from (a CPE informs from the address its connection-request
    /// listener answers on); nil lets the system choose.
    public var sourceAddress: String?

    /// Creates a runner.
    public init(acs: URL, username: String, password: String, mode: AuthMode) {
        self.acs = acs
        self.username = username
        self.password = password
        self.mode = mode
    }

    /// Runs one full session of `cpe`: Inform, the ACS's RPCs answered from the model, until 204.
    public func run(_ cpe: inout SimulatedCPE) async throws -> Report {
        var state = ExchangeState()
        var report = Report()
        let start = Date()
        let inform = CWMPEncoder().encode(Envelope(version: .v1_0, id: "1", message: CPEMessage.inform(cpe.inform(currentTime: XSD.format(Date())))))
        let (status, body) = try await post(Array(inform.utf8), &state, &report)
        guard status == 200, case .informResponse = try CWMPDecoder().decodeACS(body).message else {
            throw Failure(status: status, description: "Inform was answered with \(status): \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        cpe.pendingEvents = []
        var outgoing: [UInt8] = []
        if let transfer = cpe.pendingTransfer {
            // The CPE's own request first: the outcome of the last download.
            outgoing = Array(CWMPEncoder().encode(Envelope(version: .v1_0, id: "tc", message: CPEMessage.transferComplete(transfer))).utf8)
        }
        while true {
            let (status, body) = try await post(outgoing, &state, &report)
            if status == 204 { break }
            guard status == 200 else {
                throw Failure(status: status, description: "ACS answered \(status): \(String(decoding: body.prefix(200), as: UTF8.self))")
            }
            let envelope = try CWMPDecoder().decodeACS(body)
            if case .transferCompleteResponse = envelope.message {
                cpe.pendingTransfer = nil
                outgoing = []
                continue
            }
            report.rpcs.append(envelope.message.methodName)
            let answer = cpe.answer(envelope.message)
            outgoing = Array(CWMPEncoder().encode(Envelope(version: envelope.version, id: envelope.id, message: answer)).utf8)
        }
        if cpe.pendingEvents.isEmpty { cpe.pendingEvents = [InformEvent(code: InformEvent.periodic)] }
        report.seconds = Date().timeIntervalSince(start)
        if cpe.pendingDownload != nil { await download(&cpe) }
        if !cpe.pendingDiagnostics.isEmpty { await runDiagnostics(&cpe) }
        return report
    }

    /// Fetches the pending download over HTTP in `Range` chunks of ``downloadChunkBytes``, checks its
    /// size, and leaves the outcome for the next session's TransferComplete.
    public func download(_ cpe: inout SimulatedCPE) async {
        guard let request = cpe.pendingDownload else { return }
        let start = XSD.format(Date())
        var failure: String?
        var received = 0
        if let url = URL(string: request.url), let host = url.host {
            var path = url.path
            if let query = url.query { path += "?" + query }
            var total: Int?
            while failure == nil, total.map({ received < $0 }) ?? true {
                let range = "bytes=\(received)-\(received + downloadChunkBytes - 1)"
                do {
                    let answer = try await HTTPExchange.get(host: host, port: url.port ?? 80, path: path, headers: [("Range", range)], source: sourceAddress)
                    switch answer.status {
                    case 206:
                        let size = answer.headers.first(name: "Content-Range").flatMap { $0.split(separator: "/").last.flatMap { Int($0) } }
                        total = size
                        received += answer.body.count
                        if answer.body.isEmpty { failure = "empty partial response" }
                    case 200:
                        received = answer.body.count
                        total = received
                    case 416 where received == 0:
                        total = 0
                    default:
                        failure = "file server answered \(answer.status)"
                    }
                } catch {
                    failure = "file server unreachable: \(error)"
                }
            }
            if failure == nil, request.fileSize > 0, received != request.fileSize {
                failure = "received \(received) bytes, expected \(request.fileSize)"
            }
        } else {
            failure = "bad URL"
        }
        cpe.finishDownload(bytes: received, failure: failure, start: start, end: XSD.format(Date()))
    }

    struct ExchangeState {
        var cookie: String?
        var challenge: [String: String]?
        var nonceCount = 0
    }

    func post(_ body: [UInt8], _ state: inout ExchangeState, _ report: inout Report) async throws -> (Int, [UInt8]) {
        for attempt in 0..<2 {
            var headers: [(String, String)] = [("Content-Type", "text/xml; charset=\"utf-8\"")]
            if let cookie = state.cookie { headers.append(("Cookie", cookie)) }
            if let authorization = authorization(&state) { headers.append(("Authorization", authorization)) }
            report.requests += 1
            let answer = try await HTTPExchange.post(host: acs.host ?? "127.0.0.1", port: acs.port ?? 80, path: acs.path,
                                                     headers: headers, body: body, source: sourceAddress)
            if let setCookie = answer.headers.first(name: "Set-Cookie"), let pair = setCookie.split(separator: ";").first {
                state.cookie = String(pair)
            }
            if answer.status == 401, attempt == 0, mode == .digest,
               let header = answer.headers["WWW-Authenticate"].first(where: { $0.lowercased().hasPrefix("digest ") }) {
                state.challenge = Self.parameters(String(header.dropFirst(7)))
                state.nonceCount = 0
                continue
            }
            return (answer.status, answer.body)
        }
        throw Failure(status: 401, description: "Digest challenge answered with 401 again")
    }

    func authorization(_ state: inout ExchangeState) -> String? {
        switch mode {
        case .basic:
            return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case .digest:
            guard let challenge = state.challenge, let realm = challenge["realm"], let nonce = challenge["nonce"] else { return nil }
            state.nonceCount += 1
            let nc = String(format: "%08x", state.nonceCount)
            let cnonce = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            let uri = acs.path
            let ha1 = Self.md5("\(username):\(realm):\(password)")
            let ha2 = Self.md5("POST:\(uri)")
            let response = Self.md5("\(ha1):\(nonce):\(nc):\(cnonce):auth:\(ha2)")
            return "Digest username=\"\(username)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(uri)\", algorithm=MD5, qop=auth, nc=\(nc), cnonce=\"\(cnonce)\", response=\"\(response)\""
        }
    }

    static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func parameters(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        let pattern = /([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/
        for match in text.matches(of: pattern) {
            let key = String(match.1).lowercased()
            if result[key] == nil { result[key] = String(match.2 ?? match.3 ?? "") }
        }
        return result
    }
}
