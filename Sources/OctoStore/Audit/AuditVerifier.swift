import Foundation
import OctoCore
import PostgresNIO

/// The outcome of checking the audit hash chains.
public struct AuditVerification: Sendable, Hashable {
    /// A link that does not hold.
    public struct Break: Sendable, Hashable, CustomStringConvertible {
        /// What does not hold.
        public enum Kind: String, Sendable, Hashable, Encodable {
            /// Rows are missing before this one (its sequence number jumps).
            case removed
            /// Its previous-hash link does not match the row before.
            case link
            /// Its content does not match its own hash.
            case altered
        }
        /// The chain's provider; `nil` for the platform chain.
        public var providerId: UUID?
        /// Sequence number of the first bad row.
        public var seq: Int64
        /// Row id.
        public var id: Int64
        /// What does not hold.
        public var kind: Kind
        /// Why it is broken.
        public var reason: String

        /// `provider … seq N (row id): reason`.
        public var description: String {
            "chain \(providerId?.lowercased ?? "platform") seq \(seq) (row \(id)): \(reason)"
        }
    }

    /// Rows checked.
    public var rows: Int
    /// Chains checked.
    public var chains: Int
    /// The first broken link of each broken chain.
    public var breaks: [Break]

    /// Whether every chain is whole.
    public var isIntact: Bool { breaks.isEmpty }
}

/// Which audit chains a verification reads.
public enum AuditChains: Sendable, Hashable {
    /// Every chain the transaction sees: all of them on the global path, the provider's own under RLS.
    case visible
    /// Only the platform chain (actions outside any provider).
    case platform
}

extension Transaction {
    /// Recomputes every row's hash from its canonical text and checks each chain's links and numbering.
    /// On the global path `.visible` reads every provider's chain; in a tenant transaction RLS limits it to
    /// the provider's own chain.
    public func verifyAuditLog(_ chains: AuditChains = .visible) async throws -> AuditVerification {
        let rows = try await query(chains == .platform ? """
            SELECT id, provider_id, seq, prev_hash, hash,
                   sha256(convert_to(audit_canonical(a), 'UTF8')) AS recomputed
            FROM audit_log a
            WHERE provider_id IS NULL
            ORDER BY seq
            """ : """
            SELECT id, provider_id, seq, prev_hash, hash,
                   sha256(convert_to(audit_canonical(a), 'UTF8')) AS recomputed
            FROM audit_log a
            ORDER BY coalesce(provider_id, '00000000-0000-0000-0000-000000000000'::uuid), seq
            """)
        var result = AuditVerification(rows: 0, chains: 0, breaks: [])
        var chain: UUID?? = .none
        var previousHash = Data()
        var expectedSeq: Int64 = 1
        var broken = false
        for try await row in rows {
            let row = row.makeRandomAccess()
            let providerId = try row.get("provider_id", as: UUID?.self)
            let id = try row.get("id", as: Int64.self)
            let seq = try row.get("seq", as: Int64.self)
            let prevHash = try row.get("prev_hash", as: Data.self)
            let hash = try row.get("hash", as: Data.self)
            let recomputed = try row.get("recomputed", as: Data.self)
            result.rows += 1
            if chain != .some(providerId) {
                chain = .some(providerId)
                result.chains += 1
                previousHash = Data()
                expectedSeq = 1
                broken = false
            }
            defer {
                previousHash = hash
                expectedSeq = seq + 1
            }
            guard !broken else { continue }
            let problem: (AuditVerification.Break.Kind, String)? =
                seq != expectedSeq ? (.removed, "sequence jumps from \(expectedSeq - 1) to \(seq) (rows removed)")
                : prevHash != previousHash ? (.link, "previous-hash link does not match the row before")
                : hash != recomputed ? (.altered, "content does not match its hash (row altered)")
                : nil
            if let (kind, reason) = problem {
                result.breaks.append(.init(providerId: providerId, seq: seq, id: id, kind: kind, reason: reason))
                broken = true
            }
        }
        return result
    }
}
