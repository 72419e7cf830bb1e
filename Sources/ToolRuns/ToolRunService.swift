import Foundation
import Logging
import NetTools
import OctoCore
import OctoJobs
import OctoStore

/// The job that executes a tool run.
public struct ToolRunJob: JobPayload {
    public static let jobType = "tools.run"
    /// The run.
    public var runId: UUID

    /// Creates a payload.
    public init(runId: UUID) { self.runId = runId }
}

/// Where tool runs wait: `tools` for the platform's workers, `tools-pop-<pop id>` for a POP's agent.
public enum ToolQueues {
    /// The platform's queue.
    public static let platform = "tools"
    /// A POP agent's queue.
    public static func pop(_ id: UUID) -> String { "tools-pop-\(id.lowercased)" }
}

/// Guard rails: runs queued or running at once, and runs started per minute; the process defaults,
/// which a provider's own row in `tool_limits` overrides.
public struct ToolLimits: Sendable, Hashable {
    public var maxActive: Int
    public var maxPerMinute: Int

    /// Creates limits.
    public init(maxActive: Int = 4, maxPerMinute: Int = 30) {
        self.maxActive = maxActive
        self.maxPerMinute = maxPerMinute
    }

    /// From `OCTOISP_TOOLS_MAX_ACTIVE` and `OCTOISP_TOOLS_MAX_PER_MINUTE`.
    public init(environment: [String: String]) {
        self.init(maxActive: environment["OCTOISP_TOOLS_MAX_ACTIVE"].flatMap(Int.init) ?? 4,
                  maxPerMinute: environment["OCTOISP_TOOLS_MAX_PER_MINUTE"].flatMap(Int.init) ?? 30)
    }
}

/// The provider's target policy: never a denied range; otherwise only the provider's own ranges
/// (and those an admin allowed) and its devices' addresses, read under RLS.
public struct ProviderTargetPolicy: TargetPolicy {
    let database: Database
    let provider: UUID
    let deny: DenyListPolicy

    /// Creates the policy of `provider`.
    public init(database: Database, provider: UUID, deny: DenyListPolicy) {
        self.database = database
        self.provider = provider
        self.deny = deny
    }

    public func check(address: String, field: String) async throws {
        try await deny.check(address: address, field: field)
        let allowed = try await database.withTenant(provider) { tx in try await tx.toolRuns.addressAllowed(address) }
        guard allowed else {
            throw NetToolError(.targetRefused, "\(address) is neither in the provider's ranges nor a device's address", field: field)
        }
    }

    public func check(network: IPNetwork, field: String) async throws {
        try await deny.check(network: network, field: field)
        let allowed = try await database.withTenant(provider) { tx in try await tx.toolRuns.networkAllowed(network.description) }
        guard allowed else { throw NetToolError(.targetRefused, "\(network) is not inside one of the provider's ranges", field: field) }
    }
}

/// Creates tool runs: validates the request (400 naming the field), checks the targets against the
/// provider's policy, applies the limits (429), stores and audits the run and enqueues its job in
/// one transaction (with the PostgreSQL queue; right after the commit with Redis).
public struct ToolRunService: Sendable {
    let queue: (any JobQueue)?
    /// The ranges never targeted.
    public let deny: DenyListPolicy
    /// The process defaults, for providers without limits of their own (`tool_limits`).
    public let limits: ToolLimits
    let cpe: (any CPEDiagnosticsStarter)?

    /// Creates the service.
    public init(queue: (any JobQueue)?, deny: DenyListPolicy = DenyListPolicy(), limits: ToolLimits = ToolLimits(),
                cpe: (any CPEDiagnosticsStarter)? = nil) {
        self.queue = queue
        self.deny = deny
        self.limits = limits
        self.cpe = cpe
    }

    /// Creates and queues a run.
    public func create(_ input: ToolRunInput, provider: UUID, database: Database, by actor: Actor) async throws -> ToolRun {
        let request = try input.request()
        let origin = input.origin ?? .platform
        switch origin {
        case .platform: break
        case .pop:
            guard input.popId != nil else { throw OctoError.invalid("pop_id", "pop_id is required for origin pop") }
        case .cpe:
            guard input.deviceId != nil else { throw OctoError.invalid("device_id", "device_id is required for origin cpe") }
            guard [ToolKind.ping, .traceroute, .speedtest].contains(request.kind) else {
                throw OctoError.invalid("tool", "a CPE runs ping, traceroute and the speed test (TR-069 diagnostics)")
            }
            guard cpe != nil else { throw OctoError(.unavailable, "this process cannot queue CPE diagnostics") }
        }
        if request.kind == .speedtest && origin != .cpe {
            throw OctoError.invalid("origin", "a speed test runs from a CPE toward the platform's file server: origin must be cpe")
        }
        guard origin == .cpe || queue != nil else { throw OctoError(.unavailable, "this process has no job queue") }
        // Address targets must pass the policy before anything is stored; a host name is resolved and
        // checked where the run executes (this process makes no DNS query on a client's behalf).
        let policy = ProviderTargetPolicy(database: database, provider: provider, deny: deny)
        do {
            try await ToolExecutor(policy: policy).preflight(request, resolving: false)
        } catch let error as NetToolError {
            throw OctoError.invalid(ToolRunInput.snakeCase(error.field ?? request.field), error.message)
        }
        let run = try await database.withTenant(provider) { tx in
            if let pop = input.popId { _ = try await tx.pops.get(pop) }
            if let device = input.deviceId { _ = try await tx.devices.get(device) }
            if let customer = input.customerId { _ = try await tx.customers.get(customer) }
            try await tx.toolRuns.lockLimits()
            let limits = try await tx.toolRuns.limits(fallback: self.limits)
            if try await tx.toolRuns.activeCount() >= limits.maxActive {
                throw OctoError(.throttled, "at most \(limits.maxActive) tool runs may be queued or running at once")
            }
            if try await tx.toolRuns.createdSince(tx.clock.now.addingTimeInterval(-60)) >= limits.maxPerMinute {
                throw OctoError(.throttled, "at most \(limits.maxPerMinute) tool runs may start per minute")
            }
            var run = try await tx.toolRuns.create(request, origin: origin, popId: input.popId, deviceId: input.deviceId,
                                                   customerId: input.customerId, by: actor)
            switch origin {
            case .cpe:
                run = try await cpe!.start(run, request: request, in: tx, by: actor)
            case .platform, .pop:
                let queueName = origin == .pop ? ToolQueues.pop(input.popId!) : ToolQueues.platform
                let job = try JobRequest(ToolRunJob(runId: run.id), providerID: provider, queue: queueName, maxAttempts: 1)
                if let queue { try await JobOutbox.stage(job, on: queue, in: tx) }
            }
            return run
        }
        return run
    }
}

/// Starts a run on the CPE itself (TR-069 diagnostics through the ACS task queue).
public protocol CPEDiagnosticsStarter: Sendable {
    /// Queues what the CPE must do for `run`, in the run's transaction; returns the run as stored.
    func start(_ run: ToolRun, request: ToolRequest, in tx: Transaction, by actor: Actor) async throws -> ToolRun
}
