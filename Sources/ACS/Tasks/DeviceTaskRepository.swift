import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's device tasks.
    public var deviceTasks: DeviceTaskRepository { DeviceTaskRepository(tx: self) }
}

/// Device tasks of the transaction's provider. Every status change is audited and published on the
/// realtime topic `devices/<device id>` in the same transaction.
public struct DeviceTaskRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, device_id, type, arguments::text AS arguments, status, command_key, result::text AS result, fault_code, fault_string,
        attempts, created_by, created_at, started_at, finished_at, expires_at,
        connection_request_path, connection_request_outcome, connection_request_ms, connection_request_at
        """

    /// Stores a validated task for `device`, audits it and publishes it. 404 when the device is not the
    /// provider's; 400 when a download names a file the provider does not have.
    public func create(_ input: DeviceTaskInput, device: UUID, timeout: TimeInterval, by actor: Actor) async throws -> DeviceTask {
        let input = try input.validated()
        guard try await tx.query("SELECT 1 FROM devices WHERE id = \(device)").acsFirst({ _ in true }) == true else {
            throw OctoError.notFound("device")
        }
        if let file = input.fileId, try await tx.acsFiles.find(file) == nil {
            throw OctoError.invalid("file_id", "file_id names no file of this provider")
        }
        let id = UUID()
        let commandKey = input.commandKey ?? id.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let now = tx.clock.now
        let expires = now.addingTimeInterval(input.timeoutSeconds.map(TimeInterval.init) ?? timeout)
        let task = try await tx.query("""
            INSERT INTO acs_tasks (id, provider_id, device_id, type, arguments, command_key, created_by, created_at, expires_at)
            VALUES (\(id), \(tx.providerID), \(device), \(input.type.rawValue), \(try OctoJSON.string(input))::jsonb, \(commandKey),
                    \(actor.label), \(now), \(expires))
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode)!
        try await tx.audit("device_task.create", by: actor, target: ("device_task", id.lowercased), before: DeviceTask?.none,
                           after: task.maskingSecrets())
        try await publish(task)
        return task
    }

    /// One task of `device`; 404 otherwise.
    public func get(_ id: UUID, device: UUID) async throws -> DeviceTask {
        guard let task = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM acs_tasks WHERE id = \(id) AND device_id = \(device)
            """).acsFirst(Self.decode) else { throw OctoError.notFound("task") }
        return task
    }

    /// The tasks of `device`, newest first; 404 when the device is not the provider's.
    public func list(device: UUID, status: DeviceTask.Status?, page: PageRequest) async throws -> Page<DeviceTask> {
        guard try await tx.query("SELECT 1 FROM devices WHERE id = \(device)").acsFirst({ _ in true }) == true else {
            throw OctoError.notFound("device")
        }
        let items = try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM acs_tasks WHERE device_id = \(device) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
            ORDER BY seq DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """).acsRows(Self.decode)
        let total = try await tx.query("""
            SELECT count(*)::int AS count FROM acs_tasks WHERE device_id = \(device) AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
            """).acsFirst { try $0.acsColumn("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// Cancels a queued task; 409 once it runs or is settled.
    public func cancel(_ id: UUID, device: UUID, by actor: Actor) async throws -> DeviceTask {
        let before = try await get(id, device: device)
        guard let task = try await tx.query("""
            UPDATE acs_tasks SET status = 'cancelled', finished_at = \(tx.clock.now)
            WHERE id = \(id) AND device_id = \(device) AND status = 'queued'
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode) else {
            throw OctoError(.conflict, "task is \(before.status.rawValue); only queued tasks can be cancelled")
        }
        try await purgeSecrets(task, secrets: nil)
        try await tx.audit("device_task.cancel", by: actor, target: ("device_task", id.lowercased), before: before.maskingSecrets(),
                           after: task.maskingSecrets())
        try await publish(task)
        return task
    }

    /// Marks the device's oldest queued task running and returns it. One CWMP session per device, so
    /// no other claimant competes; the lock is waited for, not skipped: a row can be held briefly by a
    /// writer that leaves it queued (the connection requester recording how it reached the device,
    /// while the session it caused is already claiming), and skipping it would leave the task to the
    /// next Inform.
    public func claimNext(device: UUID) async throws -> DeviceTask? {
        let now = tx.clock.now
        guard let task = try await tx.query("""
            UPDATE acs_tasks SET status = 'running', started_at = \(now), attempts = attempts + 1
            WHERE id = (SELECT id FROM acs_tasks WHERE device_id = \(device) AND status = 'queued' AND expires_at > \(now)
                        ORDER BY seq LIMIT 1 FOR UPDATE)
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode) else { return nil }
        try await publish(task)
        return task
    }

    /// Settles a running task as done or fault, audits and publishes it. Its secret arguments are
    /// replaced by their markers (keyed digests with `secrets`) and secret values in its result masked.
    public func finish(_ id: UUID, status: DeviceTask.Status, result: JSONValue?, fault: DeviceTask.Fault?, by actor: Actor,
                       secrets: SecretBox? = nil) async throws {
        let resultText = try result.map(SecretParameters.masking).map(OctoJSON.string)
        guard let task = try await tx.query("""
            UPDATE acs_tasks SET status = \(status.rawValue), result = \(resultText)::jsonb, fault_code = \(fault?.code),
                   fault_string = \(fault?.string), finished_at = \(tx.clock.now)
            WHERE id = \(id) AND status = 'running'
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode) else { return }
        try await purgeSecrets(task, secrets: secrets)
        try await tx.audit("device_task.\(status.rawValue)", by: actor, target: ("device_task", id.lowercased), details: .object([
            "type": .string(task.type.rawValue), "device_id": .string(task.deviceId.lowercased), "result": result.map(SecretParameters.masking) ?? .null,
            "fault_code": fault.map { .number(Double($0.code)) } ?? .null, "fault_string": fault.map { .string($0.string) } ?? .null,
        ]))
        try await publish(task)
    }

    /// Puts a running task back in the queue (it was never answered).
    public func requeue(_ id: UUID) async throws {
        if let task = try await tx.query("""
            UPDATE acs_tasks SET status = 'queued' WHERE id = \(id) AND status = 'running' RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode) {
            try await publish(task)
        }
    }

    /// A download the device accepted (status 1): it stays running until its TransferComplete, at most until `deadline`.
    public func awaitTransfer(_ id: UUID, until deadline: Date, result: JSONValue) async throws {
        if let task = try await tx.query("""
            UPDATE acs_tasks SET result = \(try OctoJSON.string(result))::jsonb, expires_at = \(deadline)
            WHERE id = \(id) AND status = 'running' RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode) {
            try await publish(task)
        }
    }

    /// The running download of `device` with `commandKey`, if any.
    public func runningDownload(device: UUID, commandKey: String) async throws -> DeviceTask? {
        try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM acs_tasks
            WHERE device_id = \(device) AND type = 'download' AND status = 'running' AND command_key = \(commandKey)
            ORDER BY seq LIMIT 1
            """).acsFirst(Self.decode)
    }

    /// Whether a change of `device` other than `task` was ever sent with the ParameterKey `key`: then
    /// the device reporting that key does not show that `task` ran.
    public func parameterKeySentBefore(_ key: String, device: UUID, except task: UUID) async throws -> Bool {
        try await tx.query("""
            SELECT EXISTS (SELECT 1 FROM acs_tasks
                           WHERE device_id = \(device) AND id <> \(task) AND attempts > 0
                             AND type IN ('setParameterValues', 'addObject', 'deleteObject')
                             AND coalesce(arguments->>'parameter_key', command_key) = \(key)) AS sent
            """).acsFirst { try $0.acsColumn("sent", as: Bool.self) } ?? false
    }

    /// A download of `device` with `commandKey` that was sent in a session which ended before its answer
    /// was stored (requeued, so queued again): marked running again so its TransferComplete settles it.
    public func reclaimRequeuedDownload(device: UUID, commandKey: String) async throws -> DeviceTask? {
        guard let task = try await tx.query("""
            UPDATE acs_tasks SET status = 'running'
            WHERE id = (SELECT id FROM acs_tasks
                        WHERE device_id = \(device) AND type = 'download' AND status = 'queued' AND attempts > 0 AND command_key = \(commandKey)
                        ORDER BY seq LIMIT 1 FOR UPDATE)
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode) else { return nil }
        try await publish(task)
        return task
    }

    /// Expires the provider's open tasks whose time is up; audits and publishes each.
    @discardableResult
    public func expire(limit: Int = 500) async throws -> [DeviceTask] {
        let now = tx.clock.now
        let tasks = try await tx.query("""
            UPDATE acs_tasks SET status = 'expired', finished_at = \(now)
            WHERE id IN (SELECT id FROM acs_tasks WHERE status IN ('queued', 'running') AND expires_at <= \(now)
                         ORDER BY expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: Self.columns)
            """).acsRows(Self.decode)
        for task in tasks {
            try await purgeSecrets(task, secrets: nil)
            try await tx.audit("device_task.expired", by: .system, target: ("device_task", task.id.lowercased), details: .object([
                "type": .string(task.type.rawValue), "device_id": .string(task.deviceId.lowercased),
            ]))
            try await publish(task)
        }
        return tasks
    }

    /// Replaces the secret values of a settled task's arguments by their markers: the CPE has them or
    /// never will, and nothing else needs them in clear.
    func purgeSecrets(_ task: DeviceTask, secrets: SecretBox?) async throws {
        let purged = task.arguments.purgingSecrets(device: task.deviceId, provider: tx.providerID, secrets: secrets)
        guard purged != task.arguments else { return }
        try await tx.query("UPDATE acs_tasks SET arguments = \(try OctoJSON.string(purged))::jsonb WHERE id = \(task.id)")
    }

    func publish(_ task: DeviceTask) async throws {
        try await tx.publish(topic: "devices/\(task.deviceId.lowercased)", data: .object([
            "event": .string("task"), "task_id": .string(task.id.lowercased), "type": .string(task.type.rawValue),
            "status": .string(task.status.rawValue),
        ]))
    }

    static func decode(_ row: PostgresRandomAccessRow) throws -> DeviceTask {
        let arguments = try row.acsColumn("arguments", as: String.self)
        let result = try row.acsColumn("result", as: String?.self)
        let faultCode = try row.acsColumn("fault_code", as: Int?.self)
        let faultString = try row.acsColumn("fault_string", as: String?.self) ?? ""
        return DeviceTask(
            id: try row.acsColumn("id"), deviceId: try row.acsColumn("device_id"),
            type: DeviceTask.Kind(rawValue: try row.acsColumn("type")) ?? .refresh,
            arguments: try OctoJSON.decoder.decode(DeviceTaskInput.self, from: Data(arguments.utf8)),
            status: DeviceTask.Status(rawValue: try row.acsColumn("status")) ?? .fault,
            commandKey: try row.acsColumn("command_key"),
            result: try result.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) },
            fault: faultCode.map { DeviceTask.Fault(code: $0, string: faultString) },
            attempts: try row.acsColumn("attempts"), createdBy: try row.acsColumn("created_by"),
            createdAt: try row.acsColumn("created_at"), startedAt: try row.acsColumn("started_at"),
            finishedAt: try row.acsColumn("finished_at"), expiresAt: try row.acsColumn("expires_at"),
            connectionRequest: try Self.connectionRequest(row))
    }

    static func connectionRequest(_ row: PostgresRandomAccessRow) throws -> ConnectionRequestReport? {
        guard let path = try row.acsColumn("connection_request_path", as: String?.self),
              let at = try row.acsColumn("connection_request_at", as: Date?.self) else { return nil }
        return ConnectionRequestReport(path: path, outcome: try row.acsColumn("connection_request_outcome", as: String?.self) ?? "",
                                       milliseconds: try row.acsColumn("connection_request_ms", as: Int?.self) ?? 0, at: at)
    }
}
