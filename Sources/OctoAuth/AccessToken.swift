import Foundation
import JWTKit
import OctoCore

/// The claims of a short-lived access token.
public struct AccessTokenClaims: JWTPayload, Sendable {
    /// The user's id.
    public var sub: SubjectClaim
    /// The user's provider; absent for Global Admins.
    public var pid: String?
    /// Issued at.
    public var iat: IssuedAtClaim
    /// Expiry.
    public var exp: ExpirationClaim
    /// Token id.
    public var jti: IDClaim
    /// Issuer.
    public var iss: IssuerClaim

    /// Signature checks happen in jwt-kit; expiry is checked against the injected clock by ``AccessTokens``.
    public func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Signs and checks access tokens (JWT, HS256) with a key from `OCTOISP_JWT_SECRET`.
public struct AccessTokens: Sendable {
    static let issuer = "octoisp"
    let keys: JWTKeyCollection
    /// Lifetime of an access token.
    public let lifetime: TimeInterval
    let clock: any WallClock

    /// Creates the signer; the secret must be at least 32 bytes.
    public init(secret: String, lifetime: TimeInterval = 15 * 60, clock: any WallClock) async throws(OctoError) {
        guard secret.utf8.count >= 32 else { throw .invalid("OCTOISP_JWT_SECRET", "the JWT secret must be at least 32 bytes") }
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "k1")
        self.lifetime = lifetime
        self.clock = clock
    }

    /// A token for the user.
    public func issue(userId: UUID, providerId: UUID?) async throws -> String {
        let now = clock.now
        let claims = AccessTokenClaims(sub: .init(value: userId.lowercased), pid: providerId?.lowercased,
                                       iat: .init(value: now), exp: .init(value: now + lifetime),
                                       jti: .init(value: UUID().lowercased), iss: .init(value: Self.issuer))
        return try await keys.sign(claims, kid: "k1")
    }

    /// The user and provider of a valid, unexpired token; ``OctoError/Code/unauthenticated`` otherwise.
    public func verify(_ token: String) async throws(OctoError) -> (userId: UUID, providerId: UUID?) {
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw OctoError(.unauthenticated, "invalid access token")
        }
        guard claims.iss.value == Self.issuer else { throw OctoError(.unauthenticated, "invalid access token") }
        guard claims.exp.value > clock.now else { throw OctoError(.unauthenticated, "access token expired") }
        guard let userId = UUID(uuidString: claims.sub.value) else { throw OctoError(.unauthenticated, "invalid access token") }
        let providerId = claims.pid.flatMap(UUID.init(uuidString:))
        return (userId, providerId)
    }
}
