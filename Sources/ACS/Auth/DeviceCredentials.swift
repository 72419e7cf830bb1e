import Crypto
import CWMP
import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// A device's own ACS credential as the ACS hands it out: sent once by SetParameterValues, then kept
/// only as hashes and sealed.
struct DeviceCredentialOffer: Sendable, Hashable {
    /// The user name the device will send.
    var username: String
    /// The password the device will send.
    var password: String

    /// A fresh credential for the device `oui`-`serial`: the identity plus a random suffix as user name,
    /// 24 random bytes (base64url, 32 characters) as password.
    static func make(oui: String, serial: String) -> DeviceCredentialOffer {
        let suffix = HTTPAuthenticator.hex(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }.prefix(4))
        let identity = "\(oui)-\(serial)".filter { $0 != ":" }.prefix(200)
        let password = SymmetricKey(size: .init(bitCount: 192)).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return DeviceCredentialOffer(username: "\(identity)-\(suffix)", password: password)
    }

    /// The SetParameterValues that gives the credential to a device whose data model starts at `root`
    /// (`InternetGatewayDevice.` for TR-098, `Device.` for TR-181), keeping its ParameterKey.
    func message(root: String, parameterKey: String) -> ACSMessage {
        .setParameterValues([ParameterValue(name: "\(root)ManagementServer.Username", value: username),
                             ParameterValue(name: "\(root)ManagementServer.Password", value: password)], parameterKey: parameterKey)
    }
}

extension CredentialRepository {
    /// Stores `offer` for `device` as offered (an earlier unconfirmed offer is replaced), the password
    /// as hashes and sealed with `secrets` bound to the provider and device.
    func storeOffer(_ offer: DeviceCredentialOffer, device: UUID, realm: String, secrets: SecretBox) async throws {
        let material = HTTPAuthenticator.hashes(username: offer.username, password: offer.password, realm: realm)
        let sealed = try secrets.seal(offer.password, context: Self.sealContext(provider: try tenant(), device: device))
        try await tx.query("DELETE FROM cwmp_credentials WHERE device_id = \(device) AND state = 'offered'")
        try await tx.query("""
            INSERT INTO cwmp_credentials (provider_id, device_id, username, salt, password_hash, digest_ha1, realm, state, sealed_password)
            VALUES (\(tx.providerID), \(device), \(offer.username), \(ByteBuffer(bytes: material.salt)), \(ByteBuffer(bytes: material.hash)),
                    \(material.ha1), \(realm), 'offered', \(sealed))
            """)
    }

    /// Marks the device's offered credential `username` active (the device took it) and audits it;
    /// `false` when there is no such offer.
    @discardableResult
    func activate(device: UUID, username: String, by actor: Actor) async throws -> Bool {
        guard let id = try await tx.query("""
            UPDATE cwmp_credentials SET state = 'active' WHERE device_id = \(device) AND username = \(username) AND state = 'offered'
            RETURNING id
            """).acsFirst({ try $0.acsColumn("id", as: UUID.self) }) else { return false }
        try await tx.audit("cwmp_credential.device_provisioned", by: actor, target: ("cwmp_credential", id.lowercased),
                           details: .object(["username": .string(username), "deviceId": .string(device.lowercased)]))
        return true
    }

    /// Withdraws the device's unconfirmed offer (the device refused it).
    func withdrawOffer(device: UUID) async throws {
        try await tx.query("DELETE FROM cwmp_credentials WHERE device_id = \(device) AND state = 'offered'")
    }

    /// The password of a device credential, opened from its sealed form (`nil` when it was set through
    /// the API and only hashes are kept).
    func sealedPassword(device: UUID, username: String, secrets: SecretBox) async throws -> String? {
        guard let sealed = try await tx.query("""
            SELECT sealed_password FROM cwmp_credentials WHERE device_id = \(device) AND username = \(username)
            """).acsFirst({ try $0.acsColumn("sealed_password", as: String?.self) }) ?? nil else { return nil }
        return try secrets.open(sealed, context: Self.sealContext(provider: try tenant(), device: device))
    }

    /// The transaction's provider.
    func tenant() throws -> UUID {
        guard let provider = tx.providerID else { throw OctoError(.internal, "CPE credentials need a tenant transaction") }
        return provider
    }

    static func sealContext(provider: UUID, device: UUID) -> String {
        "cwmp_credential:\(provider.lowercased):\(device.lowercased)"
    }
}
