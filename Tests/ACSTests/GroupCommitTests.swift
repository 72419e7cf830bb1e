@testable import ACS
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization
import Testing

/// Group commit of concurrent sessions (migration 0157): the batching itself, the batch statement's
/// outcomes for each kind of Inform, and a storm of concurrent sessions through HTTP.
@Suite(.serialized) struct GroupCommitTests {
    // MARK: - The batching, without a database

    /// Items that arrive while a batch is written go together in the next one, never two of one key.
    @Test func itemsGatherWhileABatchIsWrittenAndOneKeyNeverSharesABatch() async throws {
        let batches = Mutex<[[String]]>([])
        let commit = GroupCommit<String, String>(statement: "test", maximumBatch: 8, batch: { _, items in
            batches.withLock { $0.append(items) }
            try await Task.sleep(for: .milliseconds(50))
            return items.map { "done " + $0 }
        }, single: { _, item in "alone " + item })
        let provider = UUID()
        let first = Task { try await commit.submit("first", key: "first", provider: provider) }
        try await Task.sleep(for: .milliseconds(10))
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<20 {
                let key = index < 2 ? "same" : "key\(index)"
                group.addTask { try await commit.submit("item\(index)", key: key, provider: provider) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(try await first.value == "done first")
        #expect(Set(outputs) == Set((0..<20).map { "done item\($0)" }), "every caller gets its own output")
        let written = batches.withLock { $0 }
        #expect(written.first == ["first"], "an idle provider's item is written at once, alone")
        #expect(written.count <= 5, "20 items behind a running batch go 8 at a time: \(written)")
        #expect(written.allSatisfy { $0.count <= 8 })
        #expect(!written.contains { $0.contains("item0") && $0.contains("item1") }, "one key, one item per batch: \(written)")
        #expect(commit.carried.load(ordering: .relaxed) == 21)
    }

    /// A failed batch is written again item by item: the bad item fails alone, the others succeed.
    @Test func aFailedBatchFailsOnlyItsBadItem() async throws {
        let commit = GroupCommit<String, String>(statement: "test", maximumBatch: 8, batch: { _, items in
            try await Task.sleep(for: .milliseconds(200))
            if items.contains("bad") { throw ACSError(.badRequest, "bad item") }
            return items
        }, single: { _, item in
            if item == "bad" { throw ACSError(.badRequest, "bad item") }
            return "alone " + item
        })
        let provider = UUID()
        let blocker = Task { try await commit.submit("blocker", key: "blocker", provider: provider) }
        try await Task.sleep(for: .milliseconds(5))
        let good = Task { try await commit.submit("good", key: "good", provider: provider) }
        let bad = Task { try await commit.submit("bad", key: "bad", provider: provider) }
        #expect(try await good.value == "alone good")
        await #expect(throws: ACSError.self) { try await bad.value }
        #expect(try await blocker.value == "blocker")
    }

    @Test func configurationReadsTheGroupCommitSizeAndTheSwitches() {
        #expect(ACSConfiguration(environment: [:]).groupCommit == 64)
        #expect(ACSConfiguration(environment: ["OCTOISP_CWMP_GROUP_COMMIT": "1"]).groupCommit == 1)
        #expect(ACSConfiguration(environment: ["OCTOISP_CWMP_GROUP_COMMIT": "0"]).groupCommit == 64, "0 is not a size")
        // The CWMP switches read the same words: 0, off, false, no (any case).
        #expect(ACSConfiguration(environment: [:]).channelLoop)
        for off in ["0", "off", "OFF", "false", "no"] {
            #expect(!ACSConfiguration(environment: ["OCTOISP_CWMP_CHANNEL_LOOP": off]).channelLoop, "\(off)")
            #expect(!ACSConfiguration(environment: ["OCTOISP_CWMP_DEVICE_CREDENTIALS": off]).deviceCredentials, "\(off)")
        }
        #expect(ACSConfiguration(environment: ["OCTOISP_CWMP_CHANNEL_LOOP": "1"]).channelLoop)
    }

    // MARK: - The batch statement

    /// A `2 PERIODIC` Inform of device `serial` reporting `value` as its software version.
    static func call(_ serial: String, value: String, at now: Date, bound: UUID? = nil, shared: Bool = true) -> CWMPStatements.InformCall {
        let inform = Inform(device: DeviceIdentity(manufacturer: "Acme", oui: "ABCDEF", productClass: "Box", serialNumber: serial),
                            events: [InformEvent(code: "2 PERIODIC")],
                            parameters: [ParameterValue(name: "Device.DeviceInfo.SoftwareVersion", value: value)])
        return CWMPStatements.InformCall(identity: inform.device, facts: InformFacts(inform, remoteIP: "127.0.0.9"), root: inform.root,
                                         version: .v1_0, retryCount: 0, boundDevice: bound, shared: shared, token: "t-" + serial,
                                         now: now, leaseUntil: now.addingTimeInterval(60))
    }

    /// One batch with every outcome the single statement knows, each as `cwmp_session_open_as` gives it.
    @Test func theBatchStatementGivesEachItemItsOwnOutcome() async throws {
        try await ACSHarness.with { harness in
            for serial in ["OK", "BUSY", "OWN", "TASKS"] {
                #expect(try await SessionPathTests.session(harness, RawHTTP.inform(serial: serial)) == 200)
            }
            let database = harness.stack.database
            let ids = try await database.withTenant(harness.provider.id) { tx in
                let rows = try await tx.query("SELECT serial_number || ' ' || id::text FROM devices").values(String.self)
                var ids: [String: UUID] = [:]
                for row in rows {
                    let parts = row.split(separator: " ")
                    ids[String(parts[0])] = UUID(uuidString: String(parts[1]))
                }
                _ = try await tx.cwmpCredentials.create(username: "own", password: "device-secret-1", deviceID: ids["OWN"],
                                                        realm: "OctoISP ACS", by: .system)
                let reboot = try JSONDecoder().decode(DeviceTaskInput.self, from: Data(#"{"type":"reboot"}"#.utf8))
                _ = try await tx.deviceTasks.create(reboot, device: try #require(ids["TASKS"]), timeout: 3_600, by: .system)
                return ids
            }
            // Another session holds BUSY's lease.
            _ = try await database.withTenant(harness.provider.id) { tx in
                try await tx.query("""
                    INSERT INTO cwmp_sessions (provider_id, device_id, token, started_at, expires_at)
                    VALUES (\(harness.provider.id), \(try #require(ids["BUSY"])), 'other', now(), now() + interval '1 hour')
                    ON CONFLICT (provider_id, device_id) DO UPDATE SET token = 'other', started_at = now(), expires_at = now() + interval '1 hour'
                    """)
            }
            harness.stack.clock.advance(by: 60)
            func call(_ serial: String, version: String = "1.0", bound: UUID? = nil, shared: Bool = true) -> CWMPStatements.InformCall {
                Self.call(serial, value: version, at: database.clock.now, bound: bound, shared: shared)
            }
            let calls = [call("OK", version: "2.0 \"quoted\" \\ \u{1}"), call("NEW"), call("BUSY"), call("OWN"),
                         call("TASKS", bound: ids["OK"], shared: false), call("TASKS", shared: false)]
            // Two items of one device may not share a batch: the last is written in a batch of its own.
            let results = try await CWMPStatements.informBatch(Array(calls.prefix(5)), provider: harness.provider.id, database: database,
                                                               logger: harness.engine.logger)
            func summary(_ result: CWMPStatements.InformResult) -> String {
                switch result.outcome {
                case .unknown: "unknown"
                case .busy: "busy"
                case .ownCredential: "own"
                case .boundElsewhere: "bound"
                case .registered(let registration):
                    "ok \(ids.first { $0.value == registration.deviceID }?.key ?? "?") queued=\(registration.hasQueuedTasks)"
                }
            }
            #expect(results.map(summary) == ["ok OK queued=false", "unknown", "busy", "own", "bound"])
            #expect(results.map(\.held) == [false, false, false, false, false], "no approval policy: nothing held")
            let tasks = try await CWMPStatements.informBatch([calls[5]], provider: harness.provider.id, database: database,
                                                             logger: harness.engine.logger)
            #expect(tasks.map(summary) == ["ok TASKS queued=true"])
            let (firmware, history, informs, leases) = try await database.withTenant(harness.provider.id) { tx in
                let firmware = try await tx.query("SELECT firmware FROM devices WHERE serial_number = 'OK'").values(String.self).first
                let history = try await tx.query("""
                    SELECT old_value || '>' || new_value FROM device_parameter_changes WHERE path = 'Device.DeviceInfo.SoftwareVersion'
                    """).values(String.self)
                let informs = try await tx.query("""
                    SELECT d.serial_number || ' ' || array_to_string(i.events, ',') FROM cwmp_informs i JOIN devices d ON d.id = i.device_id
                    WHERE i.events = ARRAY['2 PERIODIC'] ORDER BY 1
                    """).values(String.self)
                let leases = try await tx.query("SELECT d.serial_number || ' ' || s.token FROM cwmp_sessions s JOIN devices d ON d.id = s.device_id WHERE s.expires_at > '-infinity' ORDER BY 1")
                    .values(String.self)
                return (firmware, history, informs, leases)
            }
            #expect(firmware == "2.0 \"quoted\" \\ \u{1}", "text with quotes, backslashes and control characters arrives intact")
            #expect(history == ["1.0>2.0 \"quoted\" \\ \u{1}"])
            #expect(informs == ["OK 2 PERIODIC", "TASKS 2 PERIODIC"], "only the leased items' Informs are stored")
            #expect(leases == ["BUSY other", "OK t-OK", "TASKS t-TASKS"], "the busy lease stays with its holder")
        }
    }

    /// A batch that PostgreSQL refuses writes nothing at all (its good items are then written alone).
    @Test func aRefusedBatchWritesNothing() async throws {
        try await ACSHarness.with { harness in
            #expect(try await SessionPathTests.session(harness, RawHTTP.inform(serial: "GOOD")) == 200)
            #expect(try await SessionPathTests.session(harness, RawHTTP.inform(serial: "BAD")) == 200)
            let database = harness.stack.database
            func call(_ serial: String, value: String) -> CWMPStatements.InformCall {
                Self.call(serial, value: value, at: database.clock.now)
            }
            // PostgreSQL text cannot hold a NUL character.
            await #expect(throws: (any Error).self) {
                try await CWMPStatements.informBatch([call("GOOD", value: "3.0"), call("BAD", value: "bad\u{0}")],
                                                     provider: harness.provider.id, database: database, logger: harness.engine.logger)
            }
            #expect(try await harness.count("cwmp_informs") == 2, "neither Inform of the refused batch was stored")
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 0, "no lease was taken")
            let statements = CWMPStatements(database: database, logger: harness.engine.logger, groupCommit: 8)
            let good = try await statements.informs!.submit(call("GOOD", value: "3.0"), key: "GOOD", provider: harness.provider.id)
            #expect(good.outcome != .unknown && good.outcome != .busy)
        }
    }

    // MARK: - Through HTTP

    /// Concurrent sessions of many devices: every Inform answered only after it was stored, in batches
    /// that carried more than one session, and every lease given up.
    @Test(arguments: [1, 64]) func concurrentSessionsAreAllStoredAndReleased(groupCommit: Int) async throws {
        var configuration = ACSConfiguration()
        configuration.groupCommit = groupCommit
        try await ACSHarness.with(configuration: configuration) { harness in
            let serials = (0..<40).map { "STORM\($0)" }
            for serial in serials {
                #expect(try await SessionPathTests.session(harness, RawHTTP.inform(serial: serial)) == 200)
            }
            harness.stack.clock.advance(by: 60)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for serial in serials {
                    group.addTask { try await SessionPathTests.session(harness, RawHTTP.inform(serial: serial, events: ["1 BOOT"])) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: serials.count))
            #expect(try await harness.count("cwmp_informs") == 2 * serials.count)
            #expect(try await harness.count(PostgresQueryText.heldLeases) == 0, "every lease given up")
            let informs = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT sum(informs)::int FROM cwmp_devices").values(Int.self).first
            }
            #expect(informs == 2 * serials.count)
            if let commit = harness.engine.statements.informs {
                #expect(commit.carried.load(ordering: .relaxed) > commit.written.load(ordering: .relaxed),
                        "some batch carried more than one Inform")
            } else {
                #expect(groupCommit == 1)
            }
        }
    }
}
