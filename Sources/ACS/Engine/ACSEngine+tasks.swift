import CWMP
import Foundation
import Logging
import NetTools
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO
import ToolRuns

extension ACSEngine {
    /// Loads the device's next queued task into the session (marking it running). A download whose
    /// file is gone is settled as a fault and the next task is tried.
    func loadNextTask(_ live: LiveSession) async {
        do {
            let loaded = try await database.withTenant(live.providerID, logger: logger) { tx -> (DeviceTask, [ACSMessage])? in
                while var task = try await tx.deviceTasks.claimNext(device: live.deviceID) {
                    if task.attempts > 1, let evidence = try await evidence(for: task, of: live, in: tx) {
                        // Sent before, in a session that ended before its answer was stored, and the
                        // device's Inform shows it ran: recorded done instead of run a second time.
                        try await confirm(task, evidence: evidence, of: live, in: tx)
                        continue
                    }
                    var source: TaskPlan.DownloadSource?
                    if task.type == .setParameterValues, task.commandKey == CPEDiagnostics.requestKey,
                       let values = task.arguments.parameterValues {
                        // A speed test's URL points at this ACS's file server, as a Download's does.
                        let base = live.fileBaseURL.hasSuffix("/") ? String(live.fileBaseURL.dropLast()) : live.fileBaseURL
                        task.arguments.parameterValues = values.map { value in
                            var value = value
                            value.value = value.value.replacingOccurrences(of: CPEDiagnostics.transferBasePlaceholder,
                                                                           with: "\(base)/cwmp-speedtest/\(live.slug)")
                            return value
                        }
                    }
                    if task.type == .download, let fileID = task.arguments.fileId {
                        guard let stored = try await tx.acsFiles.find(fileID) else {
                            try await tx.deviceTasks.finish(task.id, status: .fault, result: nil,
                                                            fault: DeviceTask.Fault(code: FaultCode.acsInvalidArguments.rawValue,
                                                                                    string: "the file was deleted before the download ran"),
                                                            by: .system)
                            continue
                        }
                        let base = live.fileBaseURL.hasSuffix("/") ? String(live.fileBaseURL.dropLast()) : live.fileBaseURL
                        source = TaskPlan.DownloadSource(
                            url: "\(base)/cwmp-files/\(live.slug)/\(fileID.lowercased)/\(stored.token)",
                            fileType: task.arguments.fileType ?? stored.file.fileType, size: task.arguments.fileSize ?? Int(stored.file.size),
                            targetFileName: task.arguments.targetFileName ?? stored.file.name)
                    }
                    return (task, TaskPlan.messages(for: task, root: live.root, download: source))
                }
                return nil
            }
            guard let (task, messages) = loaded else {
                live.noTasksLeft()
                return
            }
            live.load(task, messages: messages)
            logger.info("device task started", metadata: live.logMetadata([
                "task.id": "\(task.id.lowercased)", "task.type": "\(task.type.rawValue)",
            ]))
        } catch {
            logger.error("loading the next device task failed", metadata: ["device.id": "\(live.deviceID.lowercased)", "error": "\(error)"])
        }
    }

    /// What in the session's Inform shows that `task` already ran (see ``TaskPlan/evidence(for:informParameterKey:events:)``);
    /// a ParameterKey counts only when no other change of the device was sent with it.
    func evidence(for task: DeviceTask, of live: LiveSession, in tx: Transaction) async throws -> TaskPlan.Evidence? {
        guard let evidence = TaskPlan.evidence(for: task, informParameterKey: live.informParameterKey, events: live.informEvents) else { return nil }
        if case .parameterKey(let key) = evidence,
           try await tx.deviceTasks.parameterKeySentBefore(key, device: live.deviceID, except: task.id) {
            return nil
        }
        return evidence
    }

    /// Records `task` done on the strength of `evidence` from the Inform, with what its answer would have
    /// changed (parameter cache, provisioning state, rollout); its result says it was confirmed from the Inform.
    func confirm(_ task: DeviceTask, evidence: TaskPlan.Evidence, of live: LiveSession, in tx: Transaction) async throws {
        let actor = Actor(type: .device, id: live.deviceID, label: nil)
        var result: [String: JSONValue] = ["confirmed_from_inform": evidence.json]
        switch task.type {
        case .setParameterValues:
            try await updateCache(after: task, answer: .setParameterValuesResponse(status: 0), device: live.deviceID, in: tx)
            result["parameter_key"] = .string(task.arguments.parameterKey ?? task.commandKey)
        case .deleteObject:
            try await updateCache(after: task, answer: .deleteObjectResponse(status: 0), device: live.deviceID, in: tx)
            result["parameter_key"] = .string(task.arguments.parameterKey ?? task.commandKey)
        case .addObject:
            // The instance number was in the lost answer; the next refresh of the object finds it.
            result["parameter_key"] = .string(task.arguments.parameterKey ?? task.commandKey)
        default:
            result["command_key"] = .string(task.commandKey)
        }
        try await tx.deviceTasks.finish(task.id, status: .done, result: .object(result), fault: nil, by: actor, secrets: provisioning?.secrets)
        if task.type == .setParameterValues { try await provisioningSettled(task, fault: nil, of: live, in: tx) }
        try await rolloutSettled(task, status: .done, fault: nil, in: tx)
        logger.notice("device task confirmed from the inform", metadata: live.logMetadata([
            "task.id": "\(task.id.lowercased)", "task.type": "\(task.type.rawValue)", "evidence": "\(evidence)",
        ]))
    }

    /// Settles `task` with the device's successful answer and updates the parameter cache.
    func settle(_ task: DeviceTask, answer: CPEMessage, of live: LiveSession, in tx: Transaction) async throws {
        let actor = Actor(type: .device, id: live.deviceID, label: nil)
        switch TaskPlan.outcome(of: task, answer: answer) {
        case .done(let result):
            try await updateCache(after: task, answer: answer, device: live.deviceID, in: tx)
            try await tx.deviceTasks.finish(task.id, status: .done, result: result, fault: nil, by: actor, secrets: provisioning?.secrets)
            if task.type == .setParameterValues { try await provisioningSettled(task, fault: nil, of: live, in: tx) }
            try await rolloutSettled(task, status: .done, fault: nil, in: tx)
            if ProvisioningService.isVerification(task), let provisioning, case .getParameterValuesResponse(let values) = answer {
                // The read-back of an apply: record whether the device holds what it accepted.
                try await provisioning.verificationSettled(task, values: values, fault: nil, in: tx, by: actor)
            }
            if task.type == .getParameterValues, task.commandKey == CPEDiagnostics.readbackPrefix, case .getParameterValuesResponse(let values) = answer {
                try await diagnosticsRead(values, device: live.deviceID, root: live.root, in: tx)
            }
            if task.type == .getParameterValues, task.commandKey.hasPrefix(ProvisioningService.driftCommandPrefix), let provisioning {
                // A drift check read the device's values: correct what drifted.
                let (_, pending) = try await provisioning.apply(live.deviceID, in: tx, reason: "drift", by: actor)
                if let pending { try await provisioning.tasks.enqueue(pending) }
            }
        case .awaitingTransfer(let result):
            try await tx.deviceTasks.awaitTransfer(task.id, until: clock.now.addingTimeInterval(configuration.transferTimeout), result: result)
        case .fault(let fault):
            try await tx.deviceTasks.finish(task.id, status: .fault, result: nil, fault: fault, by: actor)
            try await diagnosticsRefused(task, fault: fault, in: tx)
            if task.type == .setParameterValues {
                try await tx.deviceProvisioning.taskSettled(task.id, done: false, parameterFaults: [], faultCode: fault.code, by: actor)
            }
            if ProvisioningService.isVerification(task), let provisioning {
                try await provisioning.verificationSettled(task, values: nil, fault: fault, in: tx, by: actor)
            }
            try await rolloutSettled(task, status: .fault, fault: fault, in: tx)
        }
    }

    /// Records the outcome of a provisioning SetParameterValues task: applied (and its read-back queued),
    /// or the CPE's fault per parameter.
    func provisioningSettled(_ task: DeviceTask, fault: CWMPFault?, of live: LiveSession, in tx: Transaction) async throws {
        let faults = (fault?.parameterFaults ?? []).map { DeviceProvisioning.ParameterFault(path: $0.name, code: $0.code.rawValue, string: $0.string) }
        let actor = Actor(type: .device, id: live.deviceID, label: nil)
        try await tx.deviceProvisioning.taskSettled(task.id, done: fault == nil, parameterFaults: faults, faultCode: fault?.code.rawValue, by: actor)
        if fault == nil, let provisioning, let pending = try await provisioning.queueVerification(after: task, in: tx, by: actor) {
            try await provisioning.tasks.enqueue(pending)
        }
    }

    /// Records a settled task in the rollout it belongs to, if any (the next wave may start).
    func rolloutSettled(_ task: DeviceTask, status: DeviceTask.Status, fault: DeviceTask.Fault?, in tx: Transaction) async throws {
        guard let provisioning else { return }
        var settled = task
        settled.status = status
        settled.fault = fault
        if let pending = try await provisioning.rolloutTaskSettled(settled, in: tx) { try await provisioning.tasks.enqueue(pending) }
    }

    /// Enqueues, after the commit, the job a committed change left over (Redis queue). A failure is retried
    /// twice; past that it is logged and thrown, so the CPE's request fails rather than the job vanishing.
    func enqueueAfterCommit(_ job: JobRequest, tasks: DeviceTaskService, metadata: Logger.Metadata) async throws {
        var attempt = 0
        while true {
            do {
                try await tasks.enqueue(job)
                return
            } catch {
                attempt += 1
                var metadata = metadata
                metadata["error"] = "\(error)"
                metadata["attempt"] = "\(attempt)"
                guard attempt < 3 else {
                    logger.error("job after commit not enqueued", metadata: metadata)
                    throw error
                }
                logger.warning("job after commit not enqueued; retrying", metadata: metadata)
                try await Task.sleep(for: .milliseconds(100 << attempt))
            }
        }
    }

    /// Provisions a device whose discovery just completed (first contact or BOOTSTRAP).
    func provisionDiscovered(_ live: LiveSession, in tx: Transaction) async throws -> JobRequest? {
        guard let provisioning else { return nil }
        do {
            let (result, pending) = try await provisioning.apply(live.deviceID, in: tx, reason: "bootstrap", by: .system)
            logger.info("device provisioned after discovery", metadata: live.logMetadata(["outcome": "\(result.outcome.rawValue)"]))
            return pending
        } catch let error as OctoError {
            // A provisioning problem (e.g. a sealed key that cannot be opened) must not fail the session's end.
            logger.error("provisioning after discovery failed", metadata: ["device.id": "\(live.deviceID.lowercased)", "error": "\(error.message)"])
            return nil
        }
    }

    /// What a successful task changes in the cached tree.
    func updateCache(after task: DeviceTask, answer: CPEMessage, device: UUID, in tx: Transaction) async throws {
        switch (task.type, answer) {
        case (.getParameterValues, .getParameterValuesResponse(let values)):
            try await tx.cwmp.storeValues(values, device: device, secrets: provisioning?.secrets)
        case (.refresh, .getParameterNamesResponse(let names)):
            // The subtree as the device has it now: names, objects and writable flags; the rest is forgotten.
            let prefix = task.arguments.path ?? names.first.map { String($0.name.prefix { $0 != "." }) + "." } ?? ""
            if prefix.hasSuffix(".") { try await tx.cwmp.forget(under: prefix, except: names.map(\.name), device: device) }
            try await tx.cwmp.storeNames(names, device: device)
        case (.refresh, .getParameterValuesResponse(let values)):
            try await tx.cwmp.storeValues(values, device: device, secrets: provisioning?.secrets)
        case (.setParameterValues, .setParameterValuesResponse):
            let values = (task.arguments.parameterValues ?? []).map { ParameterValue(name: $0.name, value: $0.value, type: $0.type ?? "xsd:string") }
            try await tx.cwmp.storeValues(values, device: device, secrets: provisioning?.secrets)
        case (.addObject, .addObjectResponse(let instance, _)):
            try await tx.cwmp.storeNames([ParameterInfo(name: "\(task.arguments.objectName ?? "")\(instance).", writable: true)], device: device)
        case (.deleteObject, .deleteObjectResponse):
            try await tx.cwmp.forgetSubtree(task.arguments.objectName ?? "", device: device)
        default:
            break
        }
    }

    /// A TransferComplete settles the running download with its CommandKey.
    func settleTransfer(_ transfer: TransferComplete, autonomous: Bool, of live: LiveSession, in tx: Transaction) async throws {
        var running = try await tx.deviceTasks.runningDownload(device: live.deviceID, commandKey: transfer.commandKey)
        if running == nil {
            // A download requeued because its session ended before the answer was stored, which the CPE
            // had accepted: its TransferComplete settles it rather than it being sent again.
            running = try await tx.deviceTasks.reclaimRequeuedDownload(device: live.deviceID, commandKey: transfer.commandKey)
        }
        guard let task = running else {
            logger.notice("transfer complete matches no running download", metadata: [
                "device.id": "\(live.deviceID.lowercased)", "command_key": "\(transfer.commandKey)", "autonomous": "\(autonomous)",
            ])
            return
        }
        let actor = Actor(type: .device, id: live.deviceID, label: nil)
        var result: [String: JSONValue] = ["command_key": .string(transfer.commandKey), "start_time": .string(transfer.startTime),
                                           "complete_time": .string(transfer.completeTime), "transfer_complete": .bool(true)]
        if let fault = transfer.fault, fault.code.rawValue != 0 {
            result["transfer_complete"] = .bool(false)
            try await tx.deviceTasks.finish(task.id, status: .fault, result: .object(result),
                                            fault: DeviceTask.Fault(code: fault.code.rawValue, string: fault.string), by: actor)
        } else {
            try await tx.deviceTasks.finish(task.id, status: .done, result: .object(result), fault: nil, by: actor)
        }
    }

    /// Expires device tasks past their time limit in every provider (downloads without TransferComplete,
    /// tasks of devices that never came back). Returns how many expired.
    @discardableResult
    public func expireTasks() async -> Int {
        do {
            let now = clock.now
            let providers = try await database.globalStatement("""
                SELECT DISTINCT provider_id FROM acs_tasks WHERE status IN ('queued', 'running') AND expires_at <= \(now) LIMIT 1000
                """, logger: logger).map { try $0.decode(UUID.self) }
            var expired = 0
            for provider in providers {
                expired += try await database.withTenant(provider, logger: logger) { tx in
                    let tasks = try await tx.deviceTasks.expire()
                    for task in tasks {
                        // An apply that never ran is a fault of the device's provisioning; a rollout counts the device as failed.
                        if task.type == .setParameterValues {
                            try await tx.deviceProvisioning.taskSettled(task.id, done: false, parameterFaults: [], faultCode: nil, by: .system)
                        }
                        try await rolloutSettled(task, status: .expired, fault: nil, in: tx)
                    }
                    return tasks.count
                }
            }
            if expired > 0 { logger.notice("device tasks expired", metadata: ["count": "\(expired)"]) }
            return expired
        } catch {
            logger.error("expiring device tasks failed", metadata: ["error": "\(error)"])
            return 0
        }
    }
}

extension ACSEngine {
    /// Spends a speed test's one-time token: the grant when `token` is that of a running speed test
    /// in `direction` of the provider `slug`, unexpired and unused; nil otherwise (the file server answers 404).
    public func speedTestGrant(slug: String, run: UUID, token: String, direction: SpeedTestRequest.Direction) async -> SpeedTestGrant? {
        do {
            guard let provider = try await provider(slug: slug) else { return nil }
            return try await database.withTenant(provider, logger: logger) { tx in try await tx.toolRuns.claimTransfer(run, token: token, direction: direction) }
        } catch {
            logger.error("speed-test grant lookup failed", metadata: ["tool_run.id": "\(run.lowercased)", "error": "\(error)"])
            return nil
        }
    }

    /// Publishes a speed test's progress on `tool-runs/<id>`; with `final`, also records the bytes
    /// the file server counted in all.
    public func speedTestProgress(_ grant: SpeedTestGrant, progress: SpeedTestProgress, final: Bool) async {
        do {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let event = try OctoJSON.decoder.decode(JSONValue.self, from: encoder.encode(ToolEvent.progress(progress)))
            try await database.withTenant(grant.provider, logger: logger) { tx in
                if final { try await tx.toolRuns.recordTransfer(grant.run, bytes: progress.bytes) }
                try await tx.toolRuns.publishOutput(grant.run, event: event)
            }
        } catch {
            logger.warning("cannot record speed-test progress", metadata: ["tool_run.id": "\(grant.run.lowercased)", "error": "\(error)"])
        }
    }

    /// The file `id` of the provider named `slug` when `token` is its download token (compared in
    /// constant time); `nil` otherwise, whatever the reason.
    public func downloadableFile(slug: String, id: UUID, token: String) async -> (provider: UUID, file: StoredFile)? {
        do {
            guard let provider = try await provider(slug: slug) else { return nil }
            let stored = try await database.withTenant(provider, logger: logger) { tx in try await tx.acsFiles.find(id) }
            guard let stored, HTTPAuthenticator.constantTimeEqual(Array(stored.token.utf8), Array(token.utf8)) else { return nil }
            return (provider, stored)
        } catch {
            logger.error("file lookup failed", metadata: ["file.id": "\(id.lowercased)", "error": "\(error)"])
            return nil
        }
    }
}
