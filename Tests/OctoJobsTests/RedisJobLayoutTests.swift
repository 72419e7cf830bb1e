import Foundation
import NIOCore
import OctoCore
@testable import OctoJobs
import OctoStore
import OctoTestSupport
import Testing

extension JobQueueTests {
/// The Redis job hash keeps only the fields that have a value, and jobs stored by earlier versions
/// (every field present, empty ones as empty text, the lease end in the hash) still run, retry,
/// dead-letter and list after an upgrade.
@Suite
struct RedisLayout {
    /// A client on the test server and the hash fields of `id` under `prefix`.
    static func fields(_ client: RedisClient, _ prefix: String, _ id: UUID) async throws -> [String: String] {
        let flat = try await client.send(["HGETALL", .string("\(prefix):job:\(id.lowercased)")]).array?.compactMap(\.string) ?? []
        return Dictionary(uniqueKeysWithValues: stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) })
    }

    @Test func aNewJobStoresNoEmptyFields() async throws {
        try await Harness.with(.redis) { h in
            let provider = try await h.stack.makeProvider("lean").id
            let queue = try h.makeQueue()
            let client = RedisClient(url: try Harness.redisURL(), connections: 1, logger: Harness.logger)
            let plain = try await queue.enqueue(Step(label: "plain"), provider: provider)
            let keyed = try await queue.enqueue(Step(label: "keyed"), provider: provider, dedupKey: "d-1", orderingKey: "ont-1")
            let stored = try await Self.fields(client, h.prefix, plain.id)
            #expect(stored["state"] == "ready" && stored["type"] == Step.jobType)
            #expect(Set(stored.keys).isDisjoint(with: ["dedup", "okey", "history", "last_error", "lease_until"]), "\(stored.keys.sorted())")
            let keyedFields = try await Self.fields(client, h.prefix, keyed.id)
            #expect(keyedFields["dedup"] == "d-1" && keyedFields["okey"] == "ont-1")

            let claimed = try await queue.claim(queue: JobQueueName.default, worker: "w", lease: 30, limit: 10)
            #expect(Set(claimed.map(\.id)) == [plain.id, keyed.id])
            #expect(claimed.first { $0.id == plain.id }?.orderingKey == nil)
            #expect(claimed.first { $0.id == keyed.id }?.orderingKey == "ont-1")
            let running = try await Self.fields(client, h.prefix, plain.id)
            #expect(running["state"] == "running" && running["lease_until"] == nil)
            // The lease end lives in the running set, where recovery reads it.
            let score = try await client.send(["ZSCORE", .string("\(h.prefix):q:\(JobQueueName.default):running"), .string(plain.id.lowercased)]).string
            #expect(score.flatMap(Double.init) == (h.clock.now.timeIntervalSince1970 * 1000 + 30_000).rounded())
            #expect(try await queue.complete(claimed) == [true, true])
            #expect(try await h.jobs(queue, provider).isEmpty)
            await client.close()
        }
    }

    @Test func jobsStoredByTheEarlierLayoutRunRetryAndDeadLetter() async throws {
        try await Harness.with(.redis) { h in
            let provider = try await h.stack.makeProvider("old-layout").id
            let queue = try h.makeQueue()
            let client = RedisClient(url: try Harness.redisURL(), connections: 1, logger: Harness.logger)
            let first = try await queue.enqueue(Step(label: "first"), provider: provider, priority: 5)
            let second = try await queue.enqueue(Step(label: "second"), provider: provider)
            // What the earlier enqueue script wrote: every field, the empty ones as empty text.
            for id in [first.id, second.id] {
                try await client.send(["HSET", .string("\(h.prefix):job:\(id.lowercased)"), "dedup", "", "okey", "", "history", "[]", "last_error", ""])
            }

            var claimed = try await queue.claim(queue: JobQueueName.default, worker: "w", lease: 30, limit: 10)
            #expect(claimed.map(\.id) == [first.id, second.id])
            #expect(claimed.allSatisfy { $0.orderingKey == nil && $0.history.isEmpty && $0.attempt == 1 })
            // A claim by the earlier version also kept the lease end in the hash.
            try await client.send(["HSET", .string("\(h.prefix):job:\(first.id.lowercased)"), "lease_until", "0"])
            #expect(try await queue.heartbeat(claimed[0], lease: 30))
            #expect(try await queue.fail(claimed[0], error: "boom", retryAt: h.clock.now))
            #expect(try await queue.complete([claimed[1]]) == [true])

            claimed = try await queue.claim(queue: JobQueueName.default, worker: "w", lease: 30, limit: 10)
            #expect(claimed.map(\.id) == [first.id])
            #expect(claimed.first?.attempt == 2 && claimed.first?.history.map(\.error) == ["boom"])
            #expect(try await queue.fail(claimed[0], error: "boom again", retryAt: nil))
            let dead = try await h.jobs(queue, provider, state: .dead)
            #expect(dead.map(\.id) == [first.id] && dead.first?.lastError == "boom again" && dead.first?.history.count == 2)

            try await queue.retryDead(provider: provider, id: first.id)
            claimed = try await queue.claim(queue: JobQueueName.default, worker: "w", lease: 30, limit: 10)
            #expect(claimed.map(\.id) == [first.id])
            #expect(try await queue.complete(claimed) == [true])
            #expect(try await h.jobs(queue, provider).isEmpty)
            let stats = try await queue.stats().filter { $0.providerId == provider }
            #expect(stats.allSatisfy { $0.ready == 0 && $0.running == 0 && $0.dead == 0 }, "\(stats)")
            await client.close()
        }
    }

    @Test func aCommandIsWrittenAsRESP() {
        var buffer = ByteBuffer()
        buffer.writeRESPCommand(["SET", .string(""), .bytes(ByteBuffer(string: "0123456789")), .string(String(repeating: "x", count: 120))])
        #expect(String(buffer: buffer) == "*4\r\n$3\r\nSET\r\n$0\r\n\r\n$10\r\n0123456789\r\n$120\r\n" + String(repeating: "x", count: 120) + "\r\n")
    }

    /// A reply split at every byte: only the whole frame counts as complete, and it parses to the value.
    @Test func aReplyIsCompleteOnlyWhenWhole() throws {
        let text = "*3\r\n*2\r\n$3\r\nabc\r\n:42\r\n$-1\r\n%1\r\n+k\r\n$0\r\n\r\n"
        let bytes = ByteBuffer(string: text)
        for length in 0..<bytes.readableBytes {
            #expect(!RESPDecoder.isComplete(bytes.getSlice(at: 0, length: length)!.readableBytesView), "complete at \(length) bytes")
        }
        #expect(RESPDecoder.isComplete(bytes.readableBytesView))
        var copy = bytes
        let value = try RESPDecoder.parse(&copy)
        #expect(value == .array([.array([.bulkString(ByteBuffer(string: "abc")), .integer(42)]), .bulkString(nil),
                                 .map([.simpleString("k"), .bulkString(ByteBuffer())])]))
        #expect(copy.readableBytes == 0)
    }
}
}
