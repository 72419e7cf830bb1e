import ACS
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// A read that fails is never taken as "the row is not there".
@Suite struct AbsentReadTests {
    @Test func onlyNotFoundBecomesNil() async throws {
        let missing: Int? = try await OctoError.absentAsNil { throw OctoError.notFound("task") }
        #expect(missing == nil)
        await #expect(throws: OctoError.self) {
            _ = try await OctoError.absentAsNil { () async throws -> Int in throw OctoError(.unavailable, "database down") }
        }
        #expect(try await OctoError.absentAsNil { 7 } == 7)
    }

    @Test func aReadInAnAbortedTransactionThrows() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("acme")
            let outcome: String = try await {
                do {
                    return try await stack.database.withTenant(provider.id) { tx in
                        let absent = try await OctoError.absentAsNil { try await tx.deviceTasks.get(UUID(), device: UUID()) }
                        #expect(absent == nil, "a task that is not there reads as nil")
                        do {
                            _ = try await tx.query("SELECT 1 / 0")
                            Issue.record("division by zero did not fail")
                        } catch {}
                        _ = try await OctoError.absentAsNil { try await tx.deviceTasks.get(UUID(), device: UUID()) }
                        return "read as absent"
                    }
                } catch {
                    return "\(String(reflecting: error))"
                }
            }()
            #expect(outcome != "read as absent")
        }
    }
}
