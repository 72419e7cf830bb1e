import Foundation
import Hummingbird
import OctoCore
import OctoJobs
import OctoStore

extension API {
    /// The tenant's jobs, dead letters and counts per queue.
    func addJobRoutes(to routes: inout RouteTable) {
        routes.get("jobs", query: ["state", "type", "queue"], paged: true, sort: JobFilter.sortKeys) { request, context in
            try context.require(.settings, .read)
            let filter = JobFilter(state: try request.queryEnum("state", JobState.self), type: request.query("type"), queue: request.query("queue"),
                                   sort: try ListSort.parse(request.query("sort"), allowed: JobFilter.sortKeys))
            let page = try request.page()
            let provider = try await tenant(request, context)
            return JSONResponse(try await jobQueue().jobs(provider: provider, filter: filter, page: page))
        }
        routes.get("jobs/dead-letters", query: ["type", "queue"], paged: true, sort: JobFilter.sortKeys) { request, context in
            try context.require(.settings, .read)
            let filter = JobFilter(state: .dead, type: request.query("type"), queue: request.query("queue"),
                                   sort: try ListSort.parse(request.query("sort"), allowed: JobFilter.sortKeys))
            let page = try request.page()
            let provider = try await tenant(request, context)
            return JSONResponse(try await jobQueue().jobs(provider: provider, filter: filter, page: page))
        }
        routes.get("jobs/queues") { request, context in
            try context.require(.settings, .read)
            let provider = try await tenant(request, context)
            let stats = try await jobQueue().stats().filter { $0.providerId == provider }
            return JSONResponse(QueueCounts(items: stats.map {
                QueueCounts.Item(queue: $0.queue, ready: $0.ready, running: $0.running, dead: $0.dead, oldestAgeSeconds: $0.oldestAgeSeconds)
            }))
        }
        routes.post("jobs/:id/retry", body: .none) { request, context in
            try context.require(.settings, .write)
            let id = try context.uuid()
            let provider = try await tenant(request, context)
            try await deadLetter { try await jobQueue().retryDead(provider: provider, id: id) }
            return NoContent()
        }
        routes.delete("jobs/:id") { request, context in
            try context.require(.settings, .write)
            let id = try context.uuid()
            let provider = try await tenant(request, context)
            try await deadLetter { try await jobQueue().discardDead(provider: provider, id: id) }
            return NoContent()
        }
    }

    /// The answer of `GET /jobs/queues`: the provider's counts per queue.
    struct QueueCounts: Codable, Sendable {
        struct Item: Codable, Sendable {
            var queue: String
            var ready: Int
            var running: Int
            var dead: Int
            var oldestAgeSeconds: Double
        }
        var items: [Item]
    }

    func jobQueue() throws(OctoError) -> any JobQueue {
        guard let jobs else { throw OctoError(.unavailable, "this process runs no job queue") }
        return jobs
    }

    /// Maps a missing dead letter to 404.
    func deadLetter(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as JobError where error.code == .notFound {
            throw OctoError.notFound("dead letter")
        }
    }
}
