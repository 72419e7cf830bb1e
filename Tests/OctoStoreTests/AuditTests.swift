import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The audit log is append-only and hash-chained per provider.
@Suite struct AuditTests {
    func seed(_ stack: TestStack) async throws -> Provider {
        let provider = try await stack.makeProvider("alfa")
        try await stack.database.withTenant(provider.id) { tx in
            let pop = try await tx.pops.create(PopInput(name: "Centro"), by: .system)
            _ = try await tx.pops.update(pop.id, PopInput(city: "Porto Alegre"), by: .system)
            _ = try await tx.devices.create(DeviceInput(name: "CPE 1"), by: .system)
        }
        return provider
    }

    @Test func everyMutationWritesARowWithBeforeAndAfter() async throws {
        try await TestDatabase.with { stack in
            let provider = try await seed(stack)
            let entries = try await stack.database.withTenant(provider.id) { tx in try await tx.auditLog.list(AuditFilter(), page: PageRequest()) }
            #expect(entries.items.map(\.action).sorted() == ["device.create", "pop.create", "pop.update"])
            let update = try #require(entries.items.first { $0.action == "pop.update" })
            guard case .object(let before) = update.before, case .object(let after) = update.after else {
                Issue.record("pop.update lacks before/after")
                return
            }
            #expect(before["city"] == nil)
            #expect(after["city"] == .string("Porto Alegre"))
            #expect(entries.items.map(\.seq).sorted() == [1, 2, 3])
        }
    }

    @Test(arguments: ["UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log", "TRUNCATE audit_log"])
    func appRoleCannotChangeOrRemoveRows(statement: String) async throws {
        try await TestDatabase.with { stack in
            let provider = try await seed(stack)
            await #expect(throws: (any Error).self) {
                try await stack.database.withTenant(provider.id) { tx in try await tx.query(PostgresQuery(unsafeSQL: statement)) }
            }
            let count = try await stack.database.withTenant(provider.id) { tx in try await tx.auditLog.list(AuditFilter(), page: PageRequest()).total }
            #expect(count == 3)
        }
    }

    @Test func ownerCannotUpdateThroughTheTriggers() async throws {
        try await TestDatabase.with { stack in
            let provider = try await seed(stack)
            await #expect(throws: (any Error).self) {
                try await stack.connect(stack.ownerURL) { connection in
                    try await connection.query("UPDATE audit_log SET action = 'forged' WHERE provider_id = \(provider.id)", logger: .init(label: "test"))
                }
            }
        }
    }

    @Test func verifyFindsTheFirstTamperedRow() async throws {
        try await TestDatabase.with { stack in
            let provider = try await seed(stack)
            let intact = try await stack.database.withGlobal { tx in try await tx.verifyAuditLog() }
            #expect(intact.isIntact)
            #expect(intact.rows >= 3)
            // The owner switches the guard off and rewrites history.
            try await stack.connect(stack.ownerURL) { connection in
                let logger = Logger(label: "test")
                try await connection.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update", logger: logger)
                try await connection.query("UPDATE audit_log SET action = 'pop.nothing' WHERE provider_id = \(provider.id) AND seq = 2", logger: logger)
                try await connection.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update", logger: logger)
            }
            let result = try await stack.database.withGlobal { tx in try await tx.verifyAuditLog() }
            let broken = try #require(result.breaks.first)
            #expect(result.breaks.count == 1)
            #expect(broken.providerId == provider.id)
            #expect(broken.seq == 2)
            #expect(broken.reason.contains("altered"))
        }
    }

    @Test func verifyFindsARemovedRow() async throws {
        try await TestDatabase.with { stack in
            let provider = try await seed(stack)
            try await stack.connect(stack.ownerURL) { connection in
                let logger = Logger(label: "test")
                try await connection.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update", logger: logger)
                try await connection.query("DELETE FROM audit_log WHERE provider_id = \(provider.id) AND seq = 2", logger: logger)
                try await connection.query("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update", logger: logger)
            }
            let result = try await stack.database.withGlobal { tx in try await tx.verifyAuditLog() }
            #expect(result.breaks.map(\.seq) == [3])
        }
    }

    @Test func chainsArePerProviderAndConcurrentAppendsStayOrdered() async throws {
        try await TestDatabase.with { stack in
            let a = try await stack.makeProvider("alfa")
            let b = try await stack.makeProvider("beta")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    let provider = index.isMultiple(of: 2) ? a.id : b.id
                    group.addTask {
                        try await stack.database.withTenant(provider) { tx in
                            _ = try await tx.pops.create(PopInput(name: "POP \(index)"), by: .system)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seqs = try await stack.database.withTenant(a.id) { tx in try await tx.auditLog.list(AuditFilter(), page: PageRequest()).items.map(\.seq) }
            #expect(seqs.sorted() == Array(1...10))
            #expect(try await stack.database.withGlobal { tx in try await tx.verifyAuditLog() }.isIntact)
        }
    }
}
