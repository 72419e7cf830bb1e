import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// The certificate and key an HTTP listener serves HTTPS with, read from PEM files at start.
///
/// Both listeners use `OCTOISP_TLS_CERT` / `OCTOISP_TLS_KEY`; the CWMP listener may have its own pair
/// (`OCTOISP_CWMP_TLS_CERT` / `OCTOISP_CWMP_TLS_KEY`). Without them a listener serves plain HTTP.
public struct ListenerTLS: Sendable {
    /// Why the files could not be used.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// What is wrong, naming the variable or file.
        public let description: String
    }

    /// The server configuration (TLS 1.2 or later, swift-nio-ssl's default ciphers).
    public let configuration: TLSConfiguration
    /// Where the certificate chain was read from.
    public let certificatePath: String

    /// Reads the certificate chain (leaf first) and the private key, and checks that they match.
    public init(certificatePath: String, keyPath: String) throws {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw Failure(description: "cannot read the TLS certificate \(certificatePath): \(error)")
        }
        guard !chain.isEmpty else { throw Failure(description: "no certificate in \(certificatePath)") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw Failure(description: "cannot read the TLS private key \(keyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Fails now, not on the first connection, when the key does not belong to the certificate.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "the TLS key \(keyPath) does not fit the certificate \(certificatePath): \(error)")
        }
        self.configuration = configuration
        self.certificatePath = certificatePath
    }

    /// The pair named by `certificate` / `key` in `environment`; nil when neither is set.
    public static func named(_ certificate: String, _ key: String, in environment: [String: String]) throws -> ListenerTLS? {
        let certificatePath = environment[certificate].flatMap { $0.isEmpty ? nil : $0 }
        let keyPath = environment[key].flatMap { $0.isEmpty ? nil : $0 }
        switch (certificatePath, keyPath) {
        case (nil, nil): return nil
        case (let certificatePath?, let keyPath?): return try ListenerTLS(certificatePath: certificatePath, keyPath: keyPath)
        case (nil, _): throw Failure(description: "\(key) is set but \(certificate) is not")
        case (_, nil): throw Failure(description: "\(certificate) is set but \(key) is not")
        }
    }

    /// The API listener's pair: `OCTOISP_TLS_CERT` / `OCTOISP_TLS_KEY`.
    public static func api(environment: [String: String]) throws -> ListenerTLS? {
        try named("OCTOISP_TLS_CERT", "OCTOISP_TLS_KEY", in: environment)
    }

    /// The CWMP listener's pair: `OCTOISP_CWMP_TLS_CERT` / `OCTOISP_CWMP_TLS_KEY`, else the API's.
    public static func cwmp(environment: [String: String]) throws -> ListenerTLS? {
        try named("OCTOISP_CWMP_TLS_CERT", "OCTOISP_CWMP_TLS_KEY", in: environment) ?? api(environment: environment)
    }

    /// `base` behind TLS.
    func server(_ base: HTTPServerBuilder) throws -> HTTPServerBuilder {
        try .tls(base, tlsConfiguration: configuration)
    }
}
