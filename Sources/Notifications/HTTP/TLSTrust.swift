import NIOCore
import NIOSSL

/// Which certificates a TLS connection (STARTTLS, HTTPS) trusts.
public enum TLSTrust: Sendable, Hashable, Codable {
    /// The operating system's trust store.
    case system
    /// Only the certificates in this PEM text (a private CA or a self-signed server certificate).
    case pem(String)

    /// A client context that verifies the peer's certificate and name against this trust.
    func clientContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        switch self {
        case .system:
            configuration.trustRoots = .default
        case .pem(let text):
            let certificates = try NIOSSLCertificate.fromPEMBytes(Array(text.utf8))
            configuration.trustRoots = .certificates(certificates)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// The name to send as SNI and verify: nil for an IP literal (SNI cannot carry one; NIOSSL then
    /// checks the certificate against the peer's address).
    static func serverName(for host: String) -> String? {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if (try? SocketAddress(ipAddress: bare, port: 0)) != nil { return nil }
        return host
    }
}

extension Duration {
    /// This duration as NIO's `TimeAmount`.
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
