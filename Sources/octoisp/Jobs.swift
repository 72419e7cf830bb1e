import ArgumentParser
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore

/// `octoisp jobs`: inspect and repair job queues.
struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jobs", abstract: "Inspect job queues.", subcommands: [DeadLetters.self])

    /// `octoisp jobs dead-letters list|retry|discard`.
    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dead-letters", abstract: "List, retry or discard dead letters.",
                                                        subcommands: [List.self, Retry.self, Discard.self])
    }

    /// Options every dead-letter command takes.
    struct Target: ParsableArguments {
        @Option(help: "The provider's id.")
        var provider: String

        func providerID() throws -> UUID {
            guard let id = UUID(uuidString: provider) else { throw ValidationError("--provider must be a UUID") }
            return id
        }
    }

    /// Runs `body` with the configured queue and its database started.
    static func withQueue<T: Sendable>(_ body: @Sendable (any JobQueue) async throws -> T) async throws -> T {
        let environment = Environment()
        Logs.bootstrap(environment)
        let logger = Logger(label: "octoisp.jobs")
        let database = Database(configuration: try environment.databaseConfiguration(), logger: logger)
        let queue = try environment.jobQueue(database: database, clock: SystemWallClock(), logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await database.run(); return nil }
            let result = try await body(queue)
            group.cancelAll()
            return result
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a provider's dead letters.")
        @OptionGroup var target: Target
        @Option(help: "Page size.") var limit = 50
        @Option(help: "Items to skip.") var offset = 0

        func run() async throws {
            let provider = try target.providerID()
            let page = try PageRequest(limit: limit, offset: offset)
            let dead = try await Jobs.withQueue { queue in
                try await queue.jobs(provider: provider, filter: JobFilter(state: .dead), page: page)
            }
            print("\(dead.total) dead letter(s)")
            for job in dead.items {
                print("\(job.id.lowercased)  \(job.type)  queue=\(job.queue)  attempts=\(job.attempts)  error=\(job.lastError ?? "-")")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retry", abstract: "Make a dead letter ready again.")
        @OptionGroup var target: Target
        @Argument(help: "The job's id.") var id: String

        func run() async throws {
            let provider = try target.providerID()
            guard let job = UUID(uuidString: id) else { throw ValidationError("the job id must be a UUID") }
            try await Jobs.withQueue { queue in try await queue.retryDead(provider: provider, id: job) }
            print("queued \(job.lowercased) again")
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "discard", abstract: "Delete a dead letter.")
        @OptionGroup var target: Target
        @Argument(help: "The job's id.") var id: String

        func run() async throws {
            let provider = try target.providerID()
            guard let job = UUID(uuidString: id) else { throw ValidationError("the job id must be a UUID") }
            try await Jobs.withQueue { queue in try await queue.discardDead(provider: provider, id: job) }
            print("discarded \(job.lowercased)")
        }
    }
}
