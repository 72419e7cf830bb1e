import Foundation
import NetTools
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The tenant's tool runs.
    public var toolRuns: ToolRunRepository { ToolRunRepository(tx: self) }
}

/// Tool runs of the transaction's provider, under RLS.
public struct ToolRunRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, provider_id, tool, origin, pop_id, device_id, customer_id, target, parameters::text AS parameters, status,
        cancel_requested, result::text AS result, error, requested_by, executed_by, created_at, started_at, finished_at
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> ToolRun {
        func column<T: PostgresDecodable>(_ name: String, _ type: T.Type = T.self) throws -> T { try row[name].decode(T.self) }
        func json(_ name: String) throws -> JSONValue? {
            try column(name, String?.self).flatMap { try OctoJSON.decoder.decode(JSONValue.self, from: Data($0.utf8)) }
        }
        let result = try json("result")
        var summary: String?
        if case .object(let fields)? = result, case .string(let text)? = fields["summary"] { summary = text }
        return ToolRun(id: try column("id"), providerId: try column("provider_id"), tool: ToolKind(rawValue: try column("tool")) ?? .ping,
                       origin: ToolOrigin(rawValue: try column("origin")) ?? .platform, popId: try column("pop_id"),
                       deviceId: try column("device_id"), customerId: try column("customer_id"), target: try column("target"),
                       parameters: try json("parameters") ?? .null, status: ToolRunStatus(rawValue: try column("status")) ?? .failed,
                       cancelRequested: try column("cancel_requested"), result: result, summary: summary, error: try column("error"),
                       requestedBy: try column("requested_by"), executedBy: try column("executed_by"), createdAt: try column("created_at"),
                       startedAt: try column("started_at"), finishedAt: try column("finished_at"))
    }

    private func rows(_ query: PostgresQuery) async throws -> [ToolRun] {
        var result: [ToolRun] = []
        for try await row in try await tx.query(query) { result.append(try Self.decode(row.makeRandomAccess())) }
        return result
    }

    /// Stores a queued run and audits it.
    public func create(_ request: ToolRequest, origin: ToolOrigin, popId: UUID?, deviceId: UUID?, customerId: UUID?,
                       by actor: Actor) async throws -> ToolRun {
        let parameters = String(decoding: try request.encodedParameters(), as: UTF8.self)
        let requestedBy = actor.label ?? actor.type.rawValue
        let now = tx.clock.now
        let run = try await rows("""
            INSERT INTO tool_runs (provider_id, tool, origin, pop_id, device_id, customer_id, target, parameters, requested_by,
                                   requested_by_id, created_at)
            VALUES (\(tx.providerID), \(request.kind.rawValue), \(origin.rawValue), \(popId), \(deviceId), \(customerId), \(request.target),
                    \(parameters)::jsonb, \(requestedBy), \(actor.id?.lowercased), \(now))
            RETURNING \(unescaped: Self.columns)
            """)[0]
        try await tx.audit("tool_run.create", by: actor, target: ("tool_run", run.id.lowercased), before: ToolRun?.none, after: run)
        try await publish(run)
        return run
    }

    /// The run, or 404.
    public func get(_ id: UUID) async throws -> ToolRun {
        guard let run = try await rows("SELECT \(unescaped: Self.columns) FROM tool_runs WHERE id = \(id)").first else {
            throw OctoError.notFound("tool run")
        }
        return run
    }

    /// A page of runs, newest first.
    public func list(_ filter: ToolRunFilter, page: PageRequest) async throws -> Page<ToolRun> {
        let condition: PostgresQuery = """
            (\(filter.deviceId)::uuid IS NULL OR device_id = \(filter.deviceId))
            AND (\(filter.popId)::uuid IS NULL OR pop_id = \(filter.popId))
            AND (\(filter.customerId)::uuid IS NULL OR customer_id = \(filter.customerId))
            AND (\(filter.tool?.rawValue)::text IS NULL OR tool = \(filter.tool?.rawValue))
            AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
            AND (\(filter.origin?.rawValue)::text IS NULL OR origin = \(filter.origin?.rawValue))
            """
        let items = try await rows(PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM tool_runs WHERE \(condition.sql)
            ORDER BY created_at DESC, id DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """, binds: condition.binds))
        var total = 0
        for try await row in try await tx.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM tool_runs WHERE \(condition.sql)",
                                                              binds: condition.binds)) { total = try row.decode(Int.self) }
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Asks a queued or running run to stop; a queued one is cancelled at once. Audited.
    public func cancel(_ id: UUID, by actor: Actor) async throws -> ToolRun {
        let before = try await get(id)
        guard !before.status.finished else { throw OctoError(.conflict, "the run is already \(before.status.rawValue)") }
        let now = tx.clock.now
        let after = try await rows("""
            UPDATE tool_runs SET cancel_requested = true,
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                finished_at = CASE WHEN status = 'queued' THEN \(now) ELSE finished_at END
            WHERE id = \(id) RETURNING \(unescaped: Self.columns)
            """)[0]
        try await tx.audit("tool_run.cancel", by: actor, target: ("tool_run", id.lowercased), before: before, after: after)
        try await publish(after)
        return after
    }

    /// Marks a queued run running (`nil` when it is no longer queued: cancelled, or another claim ran it).
    public func start(_ id: UUID, executor: String) async throws -> ToolRun? {
        let now = tx.clock.now
        let run = try await rows("""
            UPDATE tool_runs SET status = 'running', started_at = \(now), executed_by = \(executor)
            WHERE id = \(id) AND status = 'queued' RETURNING \(unescaped: Self.columns)
            """).first
        if let run { try await publish(run) }
        return run
    }

    /// Whether a cancel was asked.
    public func cancelRequested(_ id: UUID) async throws -> Bool {
        for try await row in try await tx.query("SELECT cancel_requested FROM tool_runs WHERE id = \(id)") { return try row.decode(Bool.self) }
        return true
    }

    /// Records the outcome of a running run.
    public func finish(_ id: UUID, status: ToolRunStatus, result: String?, error: String?) async throws -> ToolRun {
        let now = tx.clock.now
        let run = try await rows("""
            UPDATE tool_runs SET status = \(status.rawValue), result = \(result)::jsonb, error = \(error), finished_at = \(now)
            WHERE id = \(id) RETURNING \(unescaped: Self.columns)
            """)[0]
        try await publish(run)
        return run
    }

    /// Queued and running runs of the provider (the concurrency limit).
    public func activeCount() async throws -> Int {
        for try await row in try await tx.query("SELECT count(*)::int FROM tool_runs WHERE status IN ('queued', 'running')") { return try row.decode(Int.self) }
        return 0
    }

    /// Runs created since `since` (the rate limit).
    public func createdSince(_ since: Date) async throws -> Int {
        for try await row in try await tx.query("SELECT count(*)::int FROM tool_runs WHERE created_at >= \(since)") { return try row.decode(Int.self) }
        return 0
    }

    /// Serializes the limit checks of one provider's run creations until the transaction ends.
    public func lockLimits() async throws {
        try await tx.query("SELECT pg_advisory_xact_lock(hashtextextended('tool_runs:' || \(tx.providerID?.lowercased ?? ""), 0))")
    }

    /// The live state of a run on `tool-runs/<id>` and `tool-runs`.
    func publish(_ run: ToolRun) async throws {
        let data = JSONValue.object(["id": .string(run.id.lowercased), "status": .string(run.status.rawValue), "tool": .string(run.tool.rawValue),
                                     "kind": .string("status")])
        try await tx.publish(topic: "tool-runs/\(run.id.lowercased)", data: data)
    }

    /// A piece of live output on `tool-runs/<id>`.
    public func publishOutput(_ id: UUID, event: JSONValue) async throws {
        try await tx.publish(topic: "tool-runs/\(id.lowercased)", data: event)
    }

    /// Whether the tools may aim at `address`: inside one of the provider's ranges (its own and those
    /// an admin allowed, its discovery ranges) or one of its devices' addresses.
    public func addressAllowed(_ address: String) async throws -> Bool {
        for try await row in try await tx.query("""
            SELECT EXISTS (SELECT 1 FROM tool_target_ranges WHERE \(address)::inet <<= cidr)
                OR EXISTS (SELECT 1 FROM snmp_discovery_ranges WHERE \(address)::inet <<= cidr)
                OR EXISTS (SELECT 1 FROM devices WHERE management_ip = \(address)::inet)
                OR EXISTS (SELECT 1 FROM snmp_devices WHERE address = \(address)::inet)
                OR EXISTS (SELECT 1 FROM cwmp_devices WHERE external_ip = \(address)::inet)
            """) { return try row.decode(Bool.self) }
        return false
    }

    /// Whether the whole `network` lies inside one of the provider's ranges.
    public func networkAllowed(_ network: String) async throws -> Bool {
        for try await row in try await tx.query("""
            SELECT EXISTS (SELECT 1 FROM tool_target_ranges WHERE \(network)::cidr <<= cidr)
                OR EXISTS (SELECT 1 FROM snmp_discovery_ranges WHERE \(network)::cidr <<= cidr)
            """) { return try row.decode(Bool.self) }
        return false
    }
}

extension ToolRunRepository {
    /// Marks a CPE-origin run running, bound to the device task that asked the CPE.
    public func attach(_ id: UUID, task: UUID) async throws -> ToolRun {
        let now = tx.clock.now
        let run = try await rows("""
            UPDATE tool_runs SET status = 'running', started_at = \(now), task_id = \(task), executed_by = 'cpe'
            WHERE id = \(id) RETURNING \(unescaped: Self.columns)
            """)[0]
        try await publish(run)
        return run
    }

    /// The CPE-origin runs of `device` waiting for the CPE's results, oldest first.
    public func runningOnCPE(device: UUID) async throws -> [ToolRun] {
        try await rows("""
            SELECT \(unescaped: Self.columns) FROM tool_runs
            WHERE device_id = \(device) AND origin = 'cpe' AND status = 'running' ORDER BY created_at, id
            """)
    }

    /// The run a device task belongs to.
    public func byTask(_ task: UUID) async throws -> ToolRun? {
        try await rows("SELECT \(unescaped: Self.columns) FROM tool_runs WHERE task_id = \(task)").first
    }
}
