import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import Notifications
import NIOCore
import Synchronization
import Testing

/// A notification with accents, markup and a line starting with a dot, as the tests send it.
func sampleMessage(language: NotificationMessage.Language = .ptBR, severity: NotificationMessage.Severity = .critical,
                   status: NotificationMessage.Status = .firing) -> NotificationMessage {
    NotificationMessage(
        id: UUID(),
        title: language == .ptBR ? "OLT-CENTRO fora do ar — Área São João" : "OLT-CENTRO down — São João area",
        body: language == .ptBR
            ? "412 ONUs afetadas; último contato às 14:03.\n.linha que começa com ponto\nValor <script>alert(1)</script> & mais"
            : "412 ONUs affected; last contact at 14:03.\n.line starting with a dot\nValue <script>alert(1)</script> & more",
        severity: severity, status: status,
        alertID: UUID(), incidentID: UUID(),
        labels: ["pop": "Centro", "device": "OLT-CENTRO", "rule": "reachability"],
        url: URL(string: "https://noc.provedor.example/alerts/42?x=1&y=2"),
        language: language,
        occurredAt: Date(timeIntervalSince1970: 1_796_475_000))
}

/// An environment variable a peer started by scripts/test.sh exports; the test fails without it.
func peerVariable(_ name: String) throws -> String {
    try #require(ProcessInfo.processInfo.environment[name],
                 "\(name) is not set: run the tests through scripts/test.sh, which starts scripts/peers/smtp.sh")
}

/// One request a ``LocalReceiver`` got.
struct CapturedRequest: Sendable {
    var method: String
    var path: String
    /// The `Host` header (HTTP/1.1), which HTTPTypes keeps as the authority.
    var authority: String?
    /// Header values by lower-cased name (the last one wins).
    var headers: [String: String]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// An answer a ``LocalReceiver`` gives.
struct CannedAnswer: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body: String = ""
    var delay: Duration = .zero
}

/// A Hummingbird server on 127.0.0.1 that records every POST and answers what the test says.
final class LocalReceiver: Sendable {
    private let captured = Mutex<[CapturedRequest]>([])
    let answer: @Sendable (CapturedRequest) -> CannedAnswer

    init(answer: @escaping @Sendable (CapturedRequest) -> CannedAnswer) {
        self.answer = answer
    }

    var requests: [CapturedRequest] { captured.withLock { $0 } }

    /// Runs `body` with the server's base URL, then stops the server. With `tls` (PEM certificate
    /// and key) the server speaks HTTPS.
    static func with(tls: (certificate: String, key: String)? = nil, answer: @escaping @Sendable (CapturedRequest) -> CannedAnswer,
                     _ body: @Sendable (URL, LocalReceiver) async throws -> Void) async throws {
        let receiver = LocalReceiver(answer: answer)
        let router = Router()
        router.post("**") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.rawName.lowercased()] = field.value }
            let captured = CapturedRequest(method: request.method.rawValue, path: request.uri.path, authority: request.head.authority,
                                           headers: headers,
                                           body: Array(buffer: bytes))
            receiver.captured.withLock { $0.append(captured) }
            let canned = receiver.answer(captured)
            if canned.delay > .zero { try await Task.sleep(for: canned.delay) }
            var fields = HTTPFields()
            for (name, value) in canned.headers { fields[.init(name)!] = value }
            return Response(status: HTTPResponse.Status(code: canned.status), headers: fields,
                            body: .init(byteBuffer: ByteBuffer(string: canned.body)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "notifications-tests.receiver")
        logger.logLevel = .critical
        var server = HTTPServerBuilder.http1()
        if let tls {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(tls.certificate.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.key.utf8), format: .pem)))
            server = try .tls(.http1(), tlsConfiguration: configuration)
        }
        let app = Application(router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            try #require(port > 0, "the receiver did not start")
            defer { group.cancelAll() }
            try await body(URL(string: "\(tls == nil ? "http" : "https")://127.0.0.1:\(port)")!, receiver)
        }
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then closed).
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
