import Foundation
import NetTools
import OctoCore
import OctoStore
import PostgresNIO

/// What a valid speed-test token lets the file server do: move `bytes` in `direction` for `run`.
public struct SpeedTestGrant: Sendable, Hashable {
    public var provider: UUID
    public var run: UUID
    public var direction: SpeedTestRequest.Direction
    public var bytes: Int
}

extension ToolRunRepository {
    /// Binds a one-time transfer token to a speed-test run, valid until `expiresAt`.
    public func armTransfer(_ id: UUID, token: String, expiresAt: Date) async throws {
        try await tx.query("UPDATE tool_runs SET transfer_token = \(token), transfer_expires_at = \(expiresAt) WHERE id = \(id)")
    }

    /// Spends the token of a running speed test in `direction`: the grant when `token` is the run's,
    /// unexpired and unused (it is then used up); nil otherwise (and the token stays as it was).
    public func claimTransfer(_ id: UUID, token: String, direction: SpeedTestRequest.Direction) async throws -> SpeedTestGrant? {
        var stored: (token: String, expires: Date, used: Date?, parameters: String, status: String)?
        for try await row in try await tx.query("""
            SELECT transfer_token, transfer_expires_at, transfer_used_at, parameters::text, status FROM tool_runs
            WHERE id = \(id) AND tool = 'speedtest' AND transfer_token IS NOT NULL FOR UPDATE
            """) {
            stored = try row.decode((String, Date, Date?, String, String).self)
        }
        guard let stored, stored.used == nil, stored.status == "running", stored.expires > tx.clock.now,
              Self.constantTimeEqual(Array(stored.token.utf8), Array(token.utf8)) else { return nil }
        guard case .speedtest(let request) = try ToolRequest.decode(kind: .speedtest, parameters: Array(stored.parameters.utf8)),
              request.direction == direction else { return nil }
        try await tx.query("UPDATE tool_runs SET transfer_used_at = \(tx.clock.now) WHERE id = \(id)")
        return SpeedTestGrant(provider: tx.providerID ?? UUID(), run: id, direction: request.direction, bytes: request.bytes)
    }

    /// Records the bytes the file server sent or received for the run.
    public func recordTransfer(_ id: UUID, bytes: Int) async throws {
        try await tx.query("UPDATE tool_runs SET transfer_bytes = \(Int64(bytes)) WHERE id = \(id)")
    }

    /// The bytes the file server counted for the run, when it served it.
    public func transferBytes(_ id: UUID) async throws -> Int? {
        for try await row in try await tx.query("SELECT transfer_bytes FROM tool_runs WHERE id = \(id)") {
            return try row.decode(Int64?.self).map(Int.init)
        }
        return nil
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
