import Foundation
import OctoCore
import Logging

/// What a handler gets besides its payload.
public struct JobContext: Sendable {
    /// The claimed job (id, provider, attempt…).
    public let job: ClaimedJob
    /// A logger with `provider.id`, `job.id` and `job.type` metadata.
    public let logger: Logger

    /// The provider the job belongs to.
    public var providerID: UUID { job.providerID }
}

/// The handlers a worker runs, by job type.
///
/// Handlers must be idempotent: delivery is at least once.
public struct JobHandlers: Sendable {
    typealias Run = @Sendable (ClaimedJob, Logger) async throws -> Void
    private var handlers: [String: Run] = [:]

    /// No handlers.
    public init() {}

    /// Registers the handler of payload type `P` (replacing an earlier one for the same job type).
    public mutating func register<P: JobPayload>(_ type: P.Type, _ body: @escaping @Sendable (P, JobContext) async throws -> Void) {
        handlers[P.jobType] = { job, logger in
            let payload: P
            do {
                payload = try JSONDecoder().decode(P.self, from: job.payload)
            } catch {
                throw JobError(.malformedPayload, "payload does not decode as \(P.self): \(Self.describe(error))",
                               ["job.id": job.id.lowercased, "job.type": job.type])
            }
            try await body(payload, JobContext(job: job, logger: logger))
        }
    }

    /// The job types with a handler.
    public var types: [String] { handlers.keys.sorted() }

    /// Runs `job` through its handler.
    func run(_ job: ClaimedJob, logger: Logger) async throws {
        guard let handler = handlers[job.type] else {
            throw JobError(.unknownType, "no handler is registered for job type '\(job.type)'",
                           ["job.id": job.id.lowercased, "job.type": job.type])
        }
        try await handler(job, logger)
    }

    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let context)?: "type mismatch for \(type) at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .valueNotFound(let type, let context)?: "missing \(type) at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let context)?: "data corrupted: \(context.debugDescription)"
        default: "\(error)"
        }
    }
}
