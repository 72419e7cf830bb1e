import Foundation
import Logging
import NIOCore
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The server ending a backend in the middle of a write: postgres-nio's COPY writer does not get past
/// it (why ingest does not use COPY), while the ingest's insert fails cleanly and is retried.
///
/// The backend is made to stop reading in the middle of the write by a trigger that sleeps, so the
/// client is mid-stream (with bytes queued) when `pg_terminate_backend` ends it. The COPY runs in a
/// child process (an exit test), since a crash or a hang there must not take the test runner down.
extension MetricsIntegrationTests {
    @Suite struct CopyTerminationTests {
        /// The trap: a writer that streams chunk after chunk (postgres-nio's documented usage) waits for
        /// backpressure when the backend stops reading; the server's error drops that wait (see
        /// docs/metrics.md), and the child never gets past the COPY: its watchdog ends it.
        @Test(.timeLimit(.minutes(2)))
        func plainCopyWriterNeverReturnsWhenTheBackendIsTerminatedMidStream() async throws {
            let owner = try TestEnvironment.url("OCTOISP_TEST_OWNER_URL").connectionString
            let result = await #expect(processExitsWith: .failure, observing: [\.standardOutputContent]) { [owner = owner as String] in
                try await CopyTermination.plainWriterUntilTerminated(ownerURL: owner)
            }
            let output = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
            // It got as far as the COPY, its backend was terminated, and it never got past the COPY: the
            // watchdog ended it (exit code 3) or it crashed (a signal), rather than a thrown error.
            #expect(output.contains("copying") && output.contains("terminated: true"), "\(output.suffix(2_000))")
            #expect(!output.contains(CopyTermination.survived), "the child process went on after the COPY: \(output.suffix(2_000))")
            #expect(result?.exitStatus != .exitCode(EXIT_FAILURE), "the child failed before or around the COPY: \(output.suffix(2_000))")
        }

        /// In the pipeline: the backend of the first write attempt is terminated while it holds the batch;
        /// the batch is retried on another connection, acknowledged, and stored exactly once.
        @Test(.timeLimit(.minutes(3)))
        func aBatchWhoseWriteIsTerminatedIsRetriedAndStoredOnce() async throws {
            try await TestDatabase.with { stack in
                let fixture = try await MetricsFixture.make(stack)
                var series: [MetricSeries] = []
                for index in 0..<5 { series.append(try await fixture.series("ifHCInOctets", kind: .counter, labels: ["ifIndex": "\(index)"])) }
                // The first write into the ingest table sleeps before storing its rows (sequences are not
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
                        "CREATE TRIGGER ingest_copy_pause BEFORE INSERT ON metric_ingest_batches FOR EACH STATEMENT EXECUTE FUNCTION ingest_copy_pause()",
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
                                                                        attemptTimeout: .seconds(30))
                let pipeline = MetricsIngestPipeline(database: stack.database, configuration: configuration, clock: stack.clock, logger: MetricsTestLog.logger)
                let terminated = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { await pipeline.writers(); return false }
                    group.addTask {
                        try await stack.connect(stack.globalURL) { global in
                            try await CopyTermination.terminateSleepingBackend(global, where: "query LIKE '%INSERT INTO metric_ingest%'")
                        }
                    }
                    let samples = samples
                    try await pipeline.submit(samples)
                    pipeline.close()
                    var terminated = false
                    for try await result in group { terminated = terminated || result }
                    return terminated
                }
                #expect(terminated, "the first attempt's backend was terminated")
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
                SELECT pid FROM pg_stat_activity
                WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid() AND datname = current_database() AND \(condition)
                """), logger: logger).values(Int32.self)
            if let pid = found.first {
                try await Task.sleep(for: .seconds(1))
                return try await killer.query("SELECT pg_terminate_backend(\(pid))", logger: logger).values(Bool.self) == [true]
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError("no backend slept in the pausing trigger")
    }

    /// Prints `line` at once (a crash would lose buffered output).
    static func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// Leaves the child after `seconds` whatever happens, so a hang ends the exit test too.
    static func watchdog(_ seconds: Int) {
        Task.detached {
            try? await Task.sleep(for: .seconds(seconds))
            say("watchdog: still running after \(seconds) s")
            exit(3)
        }
    }

    /// postgres-nio's COPY writer used as documented: 1 MiB chunks until the COPY fails.
    static func plainWriterUntilTerminated(ownerURL: String) async throws {
        watchdog(25)
        let url = try DatabaseURL(ownerURL)
        let copy = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 1, logger: logger)
        let killer = try await PostgresConnection.connect(configuration: url.connectionConfiguration(), id: 2, logger: logger)
        try await pausingTable(on: copy)
        let pid = try await copy.query("SELECT pg_backend_pid()", logger: logger).values(Int32.self)[0]
        let killing = Task { say("terminated: \(try await terminateSleepingBackend(killer, where: "pid = \(pid)"))") }
        var chunk = ByteBufferAllocator().buffer(capacity: 1 << 20)
        while chunk.readableBytes < 1 << 20 { chunk.writeString("1\t2\n") }
        say("copying")
        do {
            try await copy.copyFrom(table: "copy_probe", columns: ["a", "b"], logger: logger) { writer in
                while true { try await writer.write(chunk) }
            }
        } catch {
            say("COPY failed: \(error)")
        }
        _ = try? await killing.value
        say(survived)
    }
}
