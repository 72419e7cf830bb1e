import Crypto
import Foundation
import Logging
import NIOHTTP1
import OctoCore
import OctoStore
import PostgresNIO

/// Asks a device to open a CWMP session now: an HTTP GET to its ConnectionRequestURL, answering a
/// Digest challenge (never Basic: the password would travel in clear) with the connection-request
/// credentials the ACS knows for it. The URL must pass the ``OutboundPolicy``: its host is the address
/// the device informs from, never a denied range; the GET goes to the address that passed.
/// At most one request per device per ``ConnectionRequestSettings/minimumInterval``, across processes
/// (the time of the last one is kept in `cwmp_devices`). UDP connection requests (TR-111) are not sent.
public struct ConnectionRequester: Sendable {
    /// What a request achieved.
    public enum Outcome: Sendable, Hashable {
        /// The device answered 200 or 204: it will open a session.
        case accepted(status: Int)
        /// Another request went to the device less than the minimum interval ago.
        case rateLimited
        /// The device reported no ConnectionRequestURL (or the provider has no such device).
        case unreachable
        /// The device answered with another status (401 after the challenge: wrong credentials).
        case refused(status: Int)
        /// No answer: timeout, connection refused, bad URL.
        case failed(String)
    }

    let database: Database
    let secrets: SecretBox?
    let settings: ConnectionRequestSettings
    let clock: any WallClock
    let logger: Logger

    /// Creates a requester; without `secrets` it can only use devices that need no credentials.
    public init(database: Database, secrets: SecretBox?, settings: ConnectionRequestSettings = ConnectionRequestSettings(),
                clock: any WallClock, logger: Logger) {
        self.database = database
        self.secrets = secrets
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    /// Sends one connection request to `device` of `provider`.
    public func request(device: UUID, provider: UUID) async -> Outcome {
        var metadata: Logger.Metadata = ["provider.id": "\(provider.lowercased)", "device.id": "\(device.lowercased)"]
        let target: (url: String, source: String?, credential: ConnectionRequestCredential?)?
        do {
            target = try await database.withTenant(provider, logger: logger) { tx in
                let now = clock.now
                let url = try await tx.query("""
                    UPDATE cwmp_devices SET last_connection_request_at = \(now)
                    WHERE device_id = \(device) AND connection_request_url IS NOT NULL
                      AND (last_connection_request_at IS NULL OR last_connection_request_at <= \(now.addingTimeInterval(-settings.minimumInterval)))
                    RETURNING connection_request_url, host(external_ip) AS source
                    """).acsFirst { (try $0.acsColumn("connection_request_url", as: String.self), try $0.acsColumn("source", as: String?.self)) }
                guard let url else { return nil }
                return (url.0, url.1, try await tx.connectionRequestCredentials.credential(for: device, secrets: secrets))
            }
        } catch {
            metadata["error"] = "\(error)"
            logger.error("connection request failed", metadata: metadata)
            return .failed("\(error)")
        }
        guard let target else {
            let known: Bool?
            do {
                known = try await database.withTenant(provider, logger: logger) { tx in
                    try await tx.query("""
                        SELECT 1 FROM cwmp_devices WHERE device_id = \(device) AND connection_request_url IS NOT NULL
                        """).acsFirst { _ in true }
                }
            } catch {
                // A failed read is not "no URL": the attempt fails and says why.
                metadata["error"] = "\(error)"
                logger.error("connection request failed", metadata: metadata)
                return .failed("\(error)")
            }
            return known == true ? .rateLimited : .unreachable
        }
        metadata["url"] = "\(target.url)"
        let outcome = await send(to: target.url, source: target.source, credential: target.credential)
        metadata["outcome"] = "\(outcome)"
        logger.info("connection request sent", metadata: metadata)
        return outcome
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
