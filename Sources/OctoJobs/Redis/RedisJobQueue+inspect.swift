import Foundation
import NIOCore
import OctoCore

extension RedisJobQueue {
    /// The most jobs a listing examines; totals beyond it are not counted.
    static let listingScanLimit = 10_000

    /// `a` against `b` on a ``JobFilter/sortKeys`` key.
    static func compare(_ a: JobRecord, _ b: JobRecord, by key: String) -> ComparisonResult {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> ComparisonResult { x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        switch key {
        case "run_at": return cmp(a.runAt, b.runAt)
        case "priority": return cmp(a.priority, b.priority)
        case "attempts": return cmp(a.attempts, b.attempts)
        case "type": return cmp(a.type, b.type)
        case "state": return cmp(a.state.rawValue, b.state.rawValue)
        default: return cmp(a.createdAt, b.createdAt)
        }
    }

    /// A provider's jobs, newest first (filters are applied to at most the newest 10,000 jobs).
    public func jobs(provider: UUID, filter: JobFilter, page: PageRequest) async throws -> Page<JobRecord> {
        let ids = try await client.send(["ZREVRANGE", .string("\(prefix):p:\(provider.lowercased):jobs"), "0",
                                         .string(String(Self.listingScanLimit - 1))]).array?.compactMap(\.string) ?? []
        var matched: [JobRecord] = []
        var total = 0
        let fields = ["queue", "type", "state", "priority", "run_at", "attempts", "max_attempts", "dedup", "okey", "last_error", "history", "created"]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let replies = try await client.pipeline(chunk.map { ["HMGET", .string("\(prefix):job:\($0)")] + fields.map { .string($0) } })
            for (id, reply) in zip(chunk, replies) {
                guard let v = reply.array?.map(\.string), v.count == fields.count, let queue = v[0], let uuid = UUID(uuidString: id),
                      let state = v[2].flatMap(JobState.init(rawValue:)) else { continue }
                if let wanted = filter.state, wanted != state { continue }
                if let wanted = filter.type, wanted != v[1] { continue }
                if let wanted = filter.queue, wanted != queue { continue }
                total += 1
                // Unsorted listings page while scanning; sorted ones keep every match and page after sorting.
                guard filter.sort != nil || (total > page.offset && matched.count < page.limit) else { continue }
                let nonEmpty: (String?) -> String? = { $0.flatMap { $0.isEmpty ? nil : $0 } }
                matched.append(JobRecord(
                    id: uuid, providerId: provider, queue: queue, type: v[1] ?? "", state: state, priority: Int(v[3] ?? "") ?? 0,
                    runAt: Self.date(v[4]), attempts: Int(v[5] ?? "") ?? 0, maxAttempts: Int(v[6] ?? "") ?? 0,
                    dedupKey: nonEmpty(v[7]), orderingKey: nonEmpty(v[8]), lastError: nonEmpty(v[9]),
                    history: (try? OctoJSON.decoder.decode([JobAttempt].self, from: Data((v[10] ?? "[]").utf8))) ?? [],
                    createdAt: Self.date(v[11])))
            }
        }
        if let sort = filter.sort {
            matched.sort { a, b in
                let order = Self.compare(a, b, by: sort.key)
                if order != .orderedSame { return sort.descending ? order == .orderedDescending : order == .orderedAscending }
                return sort.descending ? a.id.lowercased > b.id.lowercased : a.id.lowercased < b.id.lowercased
            }
            matched = Array(matched.dropFirst(page.offset).prefix(page.limit))
        }
        return Page(items: matched, total: total, limit: page.limit, offset: page.offset)
    }

    /// Counts per queue and provider, from the counters the scripts keep; the age is that of the job
    /// at the head of each provider's lane.
    public func stats() async throws -> [QueueStats] {
        let now = clock.now
        var result: [QueueStats] = []
        for queue in try await queues() {
            let counts = try await client.send(["HGETALL", .string("\(prefix):q:\(queue):counts")]).array?.compactMap(\.string) ?? []
            var byProvider: [UUID: [String: Int]] = [:]
            for index in stride(from: 0, to: counts.count - 1, by: 2) {
                let parts = counts[index].split(separator: ":")
                guard parts.count == 2, let provider = UUID(uuidString: String(parts[0])) else { continue }
                byProvider[provider, default: [:]][String(parts[1])] = Int(counts[index + 1]) ?? 0
            }
            for (provider, values) in byProvider.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
                var age = 0.0
                if let head = try await client.send(["ZRANGE", .string("\(prefix):q:\(queue):ready:\(provider.lowercased)"), "0", "0"]).array?.first?.string,
                   let runAt = try await client.send(["HGET", .string("\(prefix):job:\(head)"), "run_at"]).string {
                    age = max(0, now.timeIntervalSince(Self.date(runAt)))
                }
                result.append(QueueStats(queue: queue, providerId: provider, ready: values["ready"] ?? 0, running: values["running"] ?? 0,
                                         dead: values["dead"] ?? 0, oldestAgeSeconds: age))
            }
        }
        return result
    }
}
