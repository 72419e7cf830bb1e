import Foundation
import OctoCore
import OctoStore
import Synchronization

extension ACSEngine {
    /// Refuses Basic authentication over plain HTTP for a provider that asked for it
    /// (`providers.cwmp_require_tls_for_basic`). Digest, and Basic over the TLS listener, pass.
    func checkTransport(_ claim: HTTPAuthenticator.Claim, provider: UUID, request: CWMPRequest) async throws {
        guard case .basic = claim, !request.secure else { return }
        if try await requiresTLSForBasic(provider) {
            throw ACSError(.unauthenticated, "Basic authentication needs TLS for this provider")
        }
    }

    /// The provider's setting, read again after ``ACSConfiguration/slugCacheSeconds``.
    func requiresTLSForBasic(_ provider: UUID) async throws -> Bool {
        let now = clock.now
        if let cached = transportPolicies.withLock({ $0[provider] }), now.timeIntervalSince(cached.at) < configuration.slugCacheSeconds {
            return cached.required
        }
        let required = try await database.withTenant(provider, logger: logger) { tx in
            try await tx.providers.get(provider).cwmpRequireTlsForBasic
        }
        transportPolicies.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[provider] = (required, now)
        }
        return required
    }
}
