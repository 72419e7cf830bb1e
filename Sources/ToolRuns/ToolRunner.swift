import Foundation
import Logging
import NetTools
import OctoCore
import OctoJobs
import OctoStore

/// Executes queued runs where a worker claims their job (a platform worker, or a POP agent for its
/// POP's queue): marks the run running, runs the tool under the provider's target policy, publishes
/// the live output on `tool-runs/<id>`, watches for a cancel, and stores the result.
public struct ToolRunner: Sendable {
    let database: Database
    let deny: DenyListPolicy
    let executor: String
    let logger: Logger

    /// Creates a runner; `executor` names this process in the history.
    public init(database: Database, deny: DenyListPolicy, executor: String, logger: Logger) {
        self.database = database
        self.deny = deny
        self.executor = executor
        self.logger = logger
    }

    /// Registers the `tools.run` handler.
    public func register(in handlers: inout JobHandlers) {
        let runner = self
        handlers.register(ToolRunJob.self) { payload, context in
            try await runner.execute(payload.runId, provider: context.providerID)
        }
    }

    /// Runs one queued run to its end; a run no longer queued (cancelled, or already taken) is left alone.
    public func execute(_ id: UUID, provider: UUID) async throws {
        guard let run = try await database.withTenant(provider, { tx in try await tx.toolRuns.start(id, executor: executor) }) else { return }
        var logger = self.logger
        logger[metadataKey: "provider.id"] = "\(provider.lowercased)"
        logger[metadataKey: "tool_run.id"] = "\(id.lowercased)"
        let cancellation = ToolCancellation()
        let (events, continuation) = AsyncStream<ToolEvent>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let database = self.database
        let taskLogger = logger
        let publisher = Task {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            for await event in events {
                guard let data = try? encoder.encode(event), let value = try? OctoJSON.decoder.decode(JSONValue.self, from: data) else { continue }
                do {
                    try await database.withTenant(provider) { tx in try await tx.toolRuns.publishOutput(id, event: value) }
                } catch {
                    taskLogger.warning("cannot publish tool output", metadata: ["error": "\(error)"])
                }
            }
        }
        let watcher = Task {
            while !Task.isCancelled && !cancellation.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                do {
                    if try await database.withTenant(provider, { tx in try await tx.toolRuns.cancelRequested(id) }) { cancellation.cancel() }
                } catch {
                    // Polled again in half a second; a failed read is said, not taken as "not cancelled".
                    taskLogger.error("cannot read the run's cancel request", metadata: ["error": "\(error)"])
                }
            }
        }
        var status = ToolRunStatus.succeeded
        var resultText: String?
        var errorText: String?
        do {
            let parameters = try JSONEncoder().encode(run.parameters)
            let request = try ToolRequest.decode(kind: run.tool, parameters: Array(parameters))
            let policy = ProviderTargetPolicy(database: database, provider: provider, deny: deny)
            let result = try await ToolExecutor(policy: policy).run(request, cancellation: cancellation) { continuation.yield($0) }
            resultText = try Self.resultJSON(result)
            if cancellation.isCancelled { status = .cancelled }
        } catch {
            status = cancellation.isCancelled ? .cancelled : .failed
            errorText = (error as? NetToolError)?.message ?? "\(error)"
            logger.notice("tool run failed", metadata: ["error": "\(error)"])
        }
        continuation.finish()
        await publisher.value
        watcher.cancel()
        _ = try await database.withTenant(provider) { tx in try await tx.toolRuns.finish(id, status: status, result: resultText, error: errorText) }
    }

    /// `{"summary": …, "reached": …, "output": <the tool's result>}`.
    public static func resultJSON(_ result: ToolResult) throws -> String {
        let output = String(decoding: try result.encoded(), as: UTF8.self)
        let summary = String(decoding: try JSONEncoder().encode(result.summary), as: UTF8.self)
        return "{\"summary\": \(summary), \"reached\": \(result.succeeded), \"output\": \(output)}"
    }
}
