import Foundation
import Logging
import NIOCore
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The server ending a backend in the middle of `COPY … FROM STDIN`: how postgres-nio's plain COPY
/// writer crashes the process, and that the ingest's COPY fails cleanly and is retried instead.
///
/// The backend is made to stop reading in the middle of the COPY by a trigger that sleeps, so the
/// client is mid-stream (with bytes queued) when `pg_terminate_backend` ends it. The first two tests
/// run in a child process (an exit test), since a crash there must not take the test runner down.
extension MetricsIntegrationTests {
    @Suite struct CopyTerminationTests {
        /// The trap: a writer that streams chunk after chunk (postgres-nio's documented usage) waits for
        /// backpressure when the backend stops reading; the server's error drops that wait, and the
        /// process crashes (debug builds; release builds hang in that write forever).
        @Test(.timeLimit(.minutes(2)))
        func plainCopyWriterCrashesWhenTheBackendIsTerminatedMidStream() async throws {
            let owner = try TestEnvironment.url("OCTOISP_TEST_OWNER_URL").connectionString
            let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [owner] in
                try await CopyTermination.plainWriterUntilTerminated(ownerURL: owner)
            }
            let output = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
            #expect(output.contains("leaking"), "the crash is postgres-nio's lost backpressure promise: \(output.suffix(2_000))")
            #expect(!output.contains(CopyTermination.survived), "the child process went on after the COPY")
        }

        /// The same termination under `Transaction.copyBinary`: the COPY throws, the process lives on.
        @Test(.timeLimit(.minutes(2)))
        func copyBinaryFailsCleanlyWhenTheBackendIsTerminatedMidStream() async throws {
            let app = try TestEnvironment.url("OCTOISP_TEST_APP_URL").connectionString
            let global = try TestEnvironment.url("OCTOISP_TEST_GLOBAL_URL").connectionString
            let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent, \.standardErrorContent]) { [app, global] in
                try await CopyTermination.copyBinaryUntilTerminated(appURL: app, globalURL: global)
            }
            let output = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
            #expect(output.contains(CopyTermination.survived), "stdout: \(output) stderr: \(String(decoding: result?.standardErrorContent ?? [], as: UTF8.self).suffix(2_000))")
        }

        /// In the pipeline: the backend of the first COPY attempt is terminated while it holds the batch;
        /// the batch is retried on another connection, acknowledged, and stored exactly once.
        @Test(.timeLimit(.minutes(3)))
        func aBatchWhoseCopyIsTerminatedIsRetriedAndStoredOnce() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                var series: [MetricSeries] = []
                for index in 0..<5 { series.append(try await fixture.series("ifHCInOctets", kind: .counter, labels: ["ifIndex": "\(index)"])) }
                // The first COPY into the ingest table sleeps before reading its rows (sequences are not
                // transactional, so the retry does not).
                try await stack.connect(stack.ownerURL) { owner in
                    for statement in [
                        "CREATE SEQUENCE ingest_copy_attempts",
                        """
                        CREATE FUNCTION ingest_copy_pause() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
                        BEGIN
                            IF nextval('ingest_copy_attempts') = 1 THEN PERFORM pg_sleep(60); END IF;
                            RETURN NULL;
                        END $$
                        """,
                        "CREATE TRIGGER ingest_copy_pause BEFORE INSERT ON metric_ingest FOR EACH STATEMENT EXECUTE FUNCTION ingest_copy_pause()",
                    ] {
                        try await owner.query(PostgresQuery(unsafeSQL: statement), logger: MetricsTestLog.logger)
                    }
                }
                let base = hourStart(stack.clock.now, minus: 1)
                var samples: [MetricSample] = []
                for step in 0..<2_000 {
                    for item in series { samples.append(MetricSample(seriesId: item.id, at: base.addingTimeInterval(Double(step)), value: Double(step))) }
                }
                let configuration = MetricsIngestPipeline.Configuration(batchSize: 20_000, writers: 1, retryFor: .seconds(60),
                                                                        attemptTimeout: .seconds(50))
                let pipeline = MetricsIngestPipeline(database: stack.database, configuration: configuration, clock: stack.clock, logger: MetricsTestLog.logger)
                let terminated = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { await pipeline.writers(); return false }
                    group.addTask {
                        try await stack.connect(stack.globalURL) { global in
                            try await CopyTermination.terminateSleepingBackend(global, where: "query LIKE 'COPY%metric_ingest%'")
                        }
                    }
                    let samples = samples
                    try await pipeline.submit(samples)
                    pipeline.close()
                    var terminated = false
                    for try await result in group { terminated = terminated || result }
                    return terminated
                }
                #expect(terminated, "the first COPY's backend was terminated")
                #expect(pipeline.statistics.retries >= 1)
                #expect(pipeline.statistics.batches == 1)
                let counts = try await stack.connect(stack.ownerURL) { owner in
                    var counts: (Int64, Int64) = (0, 0)
                    let rows = try await owner.query("SELECT count(*), count(DISTINCT (series_id, at_ms)) FROM metric_ingest", logger: MetricsTestLog.logger)
                    for try await row in rows.decode((Int64, Int64).self) { counts = row }
                    return counts
                }
                #expect(counts.0 == Int64(samples.count), "every sample stored, none twice")
                #expect(counts.1 == Int64(samples.count))
            }
        }
    }
}

/// The child-process halves of the tests above.
enum CopyTermination {
    /// Printed by a child process that got past the terminated COPY.
    static let survived = "process survived the terminated COPY"

    static var logger: Logger { MetricsTestLog.logger }

    /// A temporary table on `connection` whose row trigger sleeps, so the backend stops reading
    /// COPY data after its first row.
    static func pausingTable(on connection: PostgresConnection) async throws {
        for statement in [
            "CREATE TEMPORARY TABLE copy_probe (a bigint, b double precision)",
            "CREATE FUNCTION pg_temp.copy_probe_pause() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$",
            "CREATE TRIGGER copy_probe_pause BEFORE INSERT ON copy_probe FOR EACH ROW EXECUTE FUNCTION pg_temp.copy_probe_pause()",
        ] {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }

    /// Waits until a backend matching `condition` sleeps (in a pausing trigger), gives the client a
    /// second to fill the socket, then terminates it. Returns whether it did.
    static func terminateSleepingBackend(_ killer: PostgresConnection, where condition: String) async throws -> Bool {
        for _ in 0..<600 {
            let found = try await killer.query(PostgresQuery(unsafeSQL: """
                SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid() AND \(condition)
                """), logger: logger).values(Int32.self)
            if let pid = found.first {
                try await Task.sleep(for: .seconds(1))
                return try await killer.query("SELECT pg_terminate_backend(\(pid))", logger: logger).values(Bool.self) == [true]
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError("no backend slept in the pausing trigger")
    }

    /// Leaves the child after `seconds` whatever happens, so a hang ends the exit test too.
    static func watchdog(_ seconds: Int) {
        Task.detached {
            try? await Task.sleep(for: .seconds(seconds))
            print("watchdog: still running after \(seconds) s")
            exit(3)
        }
    }

    /// postgres-nio's COPY writer used as documented: 1 MiB chunks until the COPY fails.
    static func plainWriterUntilTerminated(ownerURL: String) async throws {
        watchdog(60)
        let url = try DatabaseURL(ownerURL)
        let copy = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 1, logger: logger)
        let killer = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 2, logger: logger)
        try await pausingTable(on: copy)
        let killing = Task { try await terminateSleepingBackend(killer, where: "backend_type = 'client backend'") }
        var chunk = ByteBufferAllocator().buffer(capacity: 1 << 20)
        while chunk.readableBytes < 1 << 20 { chunk.writeString("1\t2\n") }
        do {
            try await copy.copyFrom(table: "copy_probe", columns: ["a", "b"], logger: logger) { writer in
                while true { try await writer.write(chunk) }
            }
        } catch {
            print("COPY failed: \(error)")
        }
        _ = try? await killing.value
        print(survived)
    }

    /// ``Transaction/copyBinary(into:columns:_:)`` of 16 MiB on the global path until terminated;
    /// throws unless the COPY failed.
    static func copyBinaryUntilTerminated(appURL: String, globalURL: String) async throws {
        watchdog(60)
        let database = Database(configuration: .init(app: try DatabaseURL(appURL), global: try DatabaseURL(globalURL), maximumConnections: 4), logger: logger)
        let running = Task { try await database.run() }
        defer { running.cancel() }
        // A backend can be terminated by its own role.
        let killer = try await PostgresConnection.connect(configuration: try DatabaseURL(globalURL).connectionConfiguration(), id: 2, logger: logger)
        let killing = Task { try await terminateSleepingBackend(killer, where: "query LIKE 'COPY%copy_probe%'") }
        var stream = BinaryCopyStream(capacity: 700_000 * 26)
        for index in 0..<700_000 {
            stream.beginRow(fields: 2)
            stream.append(Int64(index))
            stream.append(Double(index))
        }
        do {
            try await database.withGlobal { tx in
                try await tx.query("CREATE TEMPORARY TABLE copy_probe (a bigint, b double precision)")
                try await tx.query("CREATE FUNCTION pg_temp.copy_probe_pause() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$")
                try await tx.query("CREATE TRIGGER copy_probe_pause BEFORE INSERT ON copy_probe FOR EACH ROW EXECUTE FUNCTION pg_temp.copy_probe_pause()")
                try await tx.copyBinary(into: "copy_probe", columns: ["a", "b"], stream)
            }
            throw TestSetupError("the COPY succeeded although its backend was terminated")
        } catch let error as TestSetupError {
            throw error
        } catch {
            print("COPY failed: \(error)")
        }
        guard try await killing.value else { throw TestSetupError("the backend was not terminated") }
        // The pool replaces the dead connection.
        _ = try await database.withGlobal { tx in try await tx.query("SELECT 1").values(Int32.self) }
        print(survived)
    }
}
