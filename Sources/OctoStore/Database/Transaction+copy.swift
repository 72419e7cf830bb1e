import Foundation
import NIOCore
import OctoCore
import PostgresNIO

/// A binary `COPY … FROM STDIN` stream built in memory: the signature and header at creation, then
/// rows, then the trailer added by ``Transaction/copyBinary(into:columns:_:)``.
///
/// Values are written big-endian with a 32-bit length before each field, as PostgreSQL's binary COPY
/// format requires (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4).
public struct BinaryCopyStream: Sendable {
    /// The bytes so far.
    public private(set) var buffer: ByteBuffer
    /// Rows appended so far.
    public private(set) var rows = 0

    /// Starts a stream with room for `capacity` bytes.
    public init(capacity: Int = 1 << 16) {
        buffer = ByteBufferAllocator().buffer(capacity: max(64, capacity))
        buffer.writeBytes(Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        buffer.writeInteger(Int32(0)) // flags: no OIDs
        buffer.writeInteger(Int32(0)) // header extension length
    }

    /// Starts a row of `fields` fields; append exactly that many values next.
    public mutating func beginRow(fields: Int16) {
        buffer.writeInteger(fields)
        rows += 1
    }

    /// A `uuid` field.
    public mutating func append(_ value: UUID) {
        buffer.writeInteger(Int32(16))
        withUnsafeBytes(of: value.uuid) { buffer.writeBytes($0) }
    }

    /// A `bigint` field.
    public mutating func append(_ value: Int64) {
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(value)
    }

    /// A `double precision` field.
    public mutating func append(_ value: Double) {
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(value.bitPattern)
    }

    mutating func finish() -> ByteBuffer {
        buffer.writeInteger(Int16(-1))
        return buffer
    }
}

extension Transaction {
    /// Writes `stream` into `table` with a binary `COPY … FROM STDIN`, in this transaction. Returns once
    /// PostgreSQL accepted the data (the transaction still has to commit); throws if it refused it or
    /// the connection closed, never traps.
    ///
    /// postgres-nio's COPY writer must not be driven after the server closed the connection: its state
    /// machine then hits a precondition (`ConnectionStateMachine.checkBackendCanReceiveCopyData` /
    /// `sendCopyDone`) between the close and the removal of its channel handler, and a write that waits
    /// for backpressure when the server closes loses its promise (a hang; a crash in debug builds).
    /// See docs/metrics.md. Hence:
    /// - the whole stream is sent in one write (no write ever waits for backpressure), then `CopyDone`;
    /// - the code around each of those two calls runs on the connection's event loop (a task executor
    ///   preference), so "the channel is still open" is checked in the same event-loop turn as the call:
    ///   the state machine only leaves the query state while handling a close, and the channel is
    ///   inactive from that turn on;
    /// - on a closed channel it waits for `closeFuture` (after the handlers are removed) before failing,
    ///   so the writer's own `CopyFail` fails cleanly too.
    ///
    /// Only the global role may COPY into a table with row-level security (it bypasses RLS), so this
    /// is meant for ``Database/withGlobal(acting:logger:_:)`` transactions. `table` and `columns` must
    /// be plain lower-case identifiers.
    public func copyBinary(into table: String, columns: [String], _ stream: BinaryCopyStream) async throws {
        for name in [table] + columns {
            guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
                throw OctoError.invalid("table", "not a plain identifier: \(name)")
            }
        }
        var stream = stream
        let payload = stream.finish()
        let connection = self.connection
        // postgres-nio exposes only text COPY; it inserts the table name as given, so the column list
        // and the binary format go after the quoted name, and the rest of its statement is a comment.
        let target = "\(table)\" (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) FROM STDIN WITH (FORMAT binary) --"
        try await withTaskExecutorPreference(EventLoopTaskExecutor(connection.eventLoop)) {
            try await connection.copyFrom(table: target, columns: [], logger: logger) { writer in
                try await Self.ensureOpen(connection)
                try await writer.write(payload)
                try await Self.ensureOpen(connection)
            }
        }
    }

    /// Throws, once the channel handler is gone, if `connection` closed; runs on its event loop.
    static func ensureOpen(_ connection: PostgresConnection) async throws {
        connection.eventLoop.assertInEventLoop()
        guard connection.isClosed else { return }
        try? await connection.closeFuture.get()
        throw OctoError(.unavailable, "the database connection closed during COPY")
    }
}

/// Runs a task's jobs on a NIO event loop, so code between two suspension points runs in one turn of
/// that loop, like the channel handlers' own code.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
