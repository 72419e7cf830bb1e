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

    /// The provider's setting, from ``transportPolicies`` while fresh (a change to the provider row drops it
    /// in every process; ``ACSConfiguration/slugCacheSeconds`` bounds it otherwise).
    func requiresTLSForBasic(_ provider: UUID) async throws -> Bool {
        let now = clock.now
        if let cached = transportPolicies.value(provider: provider, key: "", now: now) { return cached }
        let ticket = transportPolicies.ticket()
        let required = try await database.withTenant(provider, logger: logger) { tx in
            try await tx.providers.get(provider).cwmpRequireTlsForBasic
        }
        transportPolicies.store(required, provider: provider, key: "", now: now, ticket: ticket)
        return required
    }
}
