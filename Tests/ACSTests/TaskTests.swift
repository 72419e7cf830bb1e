import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// Device tasks end to end: the API queues them, the real CWMP endpoint runs them against simulated
/// CPEs in their next session, PostgreSQL holds the outcome.
@Suite(.serialized) struct TaskTests {
    static let interval = "InternetGatewayDevice.ManagementServer.PeriodicInformInterval"

    @Test func secretValuesReachTheCPEButNeitherTheAPINorTheAudit() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let key = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase"
            let secret = "wifi-secret-\(UUID().uuidString.prefix(8))"
            let set = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(key)", "value": "\#(secret)"}, {"name": "\#(Self.interval)", "value": "600", "type": "xsd:unsignedInt"}]}"#, device: device)
            #expect(set.arguments.parameterValues?.map(\.value) == [SecretParameters.mask, "600"])
            let get = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(key)"]}"#, device: device)
            _ = try await cpe.runSession(events: [InformEvent(code: InformEvent.periodic)])
            #expect(await cpe.cpe.model.nodes[key]?.value == secret, "the CPE receives the real value")
            #expect(try await harness.task(set.id, device: device).status == .done)
            let read = try await harness.task(get.id, device: device)
            #expect(read.result?["values"] == .array([.object(["name": .string(key), "value": .string(SecretParameters.mask),
                                                                "type": .string("xsd:string")])]))
            let listed = try await harness.call(.get, "/api/v1/devices/\(device.lowercased)/tasks")
            #expect(listed.status == .ok && !listed.text.contains(secret) && listed.text.contains("600"))
            let audited = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM audit_log WHERE action LIKE 'device_task.%' AND coalesce(before::text, '') || coalesce(after::text, '') LIKE \("%\(secret)%")")
                    .values(Int.self).first
            }
            #expect(audited == 0)
            #expect(try await harness.count("audit_log WHERE action LIKE 'device_task.%'") >= 4)
        }
    }

    @Test func secretValuesAreNeitherCachedNorKeptInSettledTasks() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let key = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase"
            let first = "wifi-first-\(UUID().uuidString.prefix(8))"
            let second = "wifi-second-\(UUID().uuidString.prefix(8))"
            // A key read back in clear before the change, then set twice, then read back again.
            await cpe.modify { $0.model.set(key, value: first) }
            let before = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(key)"]}"#, device: device)
            let set = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(key)", "value": "\#(second)"}, {"name": "\#(Self.interval)", "value": "900", "type": "xsd:unsignedInt"}]}"#, device: device)
            let after = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(key)"]}"#, device: device)
            let queued = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT arguments::text FROM acs_tasks WHERE id = \(set.id)").values(String.self)
            }
            #expect(queued.first?.contains(second) == true, "a queued task keeps the value it must send")
            _ = try await cpe.runSession(events: [InformEvent(code: InformEvent.periodic)])
            #expect(await cpe.cpe.model.nodes[key]?.value == second, "the CPE receives the real value")
            for id in [before.id, set.id, after.id] { #expect(try await harness.task(id, device: device).status == .done) }
            let rows = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                var rows: [String] = []
                for table in ["device_parameters", "device_parameter_changes", "acs_tasks", "audit_log"] {
                    rows += try await tx.query(PostgresQuery(unsafeSQL: "SELECT t::text FROM \(table) t")).values(String.self)
                }
                return rows
            }
            #expect(rows.count > 20)
            #expect(rows.allSatisfy { !$0.contains(first) && !$0.contains(second) }, "\(rows.filter { $0.contains(first) || $0.contains(second) })")
            let cached = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT value FROM device_parameters WHERE device_id = \(device) AND path = \(key)").values(String.self)
            }
            #expect(cached == [SecretParameters.mask])
            // The settled task kept its other values.
            let arguments = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT arguments::text FROM acs_tasks WHERE id = \(set.id)").values(String.self)
            }
            #expect(arguments.first?.contains("900") == true && arguments.first?.contains(SecretParameters.mask) == true, "\(arguments)")
        }
    }

    @Test func secretParametersAreJudgedByTheirLeaf() {
        for name in ["Device.WiFi.AccessPoint.1.Security.KeyPassphrase", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.PreSharedKey.1.PreSharedKey",
                     "Device.PPP.Interface.1.Password", "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.WEPKey.1.WEPKey",
                     "InternetGatewayDevice.UserInterface.X_HW_WebUserInfo.1.Password"] {
            #expect(SecretParameters.isSecret(name), "\(name)")
        }
        for name in ["Device.WiFi.SSID.1.SSID", "Device.ManagementServer.PeriodicInformInterval", "Device.WiFi.AccessPoint.1.Security.ModeEnabled"] {
            #expect(!SecretParameters.isSecret(name), "\(name)")
        }
        let masked = SecretParameters.masking(.object(["values": .array([
            .object(["name": .string("Device.PPP.Interface.1.Password"), "value": .string("p")]),
            .object(["name": .string("Device.WiFi.SSID.1.SSID"), "value": .string("casa")]),
        ])]))
        #expect(masked == .object(["values": .array([
            .object(["name": .string("Device.PPP.Interface.1.Password"), "value": .string(SecretParameters.mask)]),
            .object(["name": .string("Device.WiFi.SSID.1.SSID"), "value": .string("casa")]),
        ])]))
    }

    @Test func everyTaskTypeRunsInTheNextSessionInOrder() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let wan = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice."
            let get = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["InternetGatewayDevice.DeviceInfo.SoftwareVersion"]}"#, device: device)
            let set = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(Self.interval)", "value": "300", "type": "xsd:unsignedInt"}], "parameter_key": "pk-1"}"#, device: device)
            let add = try await harness.queue(#"{"type": "addObject", "object_name": "\#(wan)"}"#, device: device)
            let delete = try await harness.queue(#"{"type": "deleteObject", "object_name": "\#(wan)1."}"#, device: device)
            let refresh = try await harness.queue(#"{"type": "refresh", "path": "InternetGatewayDevice.ManagementServer."}"#, device: device)
            let reboot = try await harness.queue(#"{"type": "reboot", "command_key": "reboot-1"}"#, device: device)
            #expect(get.status == .queued)
            let bogus = "InternetGatewayDevice.ManagementServer.RemovedByFirmware"
            try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.cwmp.storeValues([ParameterValue(name: bogus, value: "x")], device: device)
            }

            let report = try await cpe.runSession(events: [InformEvent(code: InformEvent.periodic)])
            #expect(report.rpcs == ["GetParameterValues", "SetParameterValues", "AddObject", "DeleteObject", "GetParameterNames",
                                   "GetParameterValues", "Reboot"])

            let got = try await harness.task(get.id, device: device)
            #expect(got.status == .done)
            let software = try #require(await cpe.cpe.model.nodes["InternetGatewayDevice.DeviceInfo.SoftwareVersion"]?.value)
            #expect(got.result?["values"] == .array([.object(["name": .string("InternetGatewayDevice.DeviceInfo.SoftwareVersion"),
                                                               "value": .string(software), "type": .string("xsd:string")])]))
            let setTask = try await harness.task(set.id, device: device)
            #expect(setTask.status == .done)
            #expect(setTask.result?["status"] == .number(0))
            #expect(setTask.result?["parameter_key"] == .string("pk-1"))
            #expect(await cpe.cpe.model.nodes[Self.interval]?.value == "300")
            #expect(await cpe.cpe.parameterKey == delete.commandKey, "the last ParameterKey sent (DeleteObject's default: its command key)")
            let added = try await harness.task(add.id, device: device)
            #expect(added.status == .done)
            #expect(added.result?["instance"] == .number(2))
            #expect(await cpe.cpe.model.nodes["\(wan)2."] != nil)
            #expect(try await harness.task(delete.id, device: device).status == .done)
            #expect(await cpe.cpe.model.nodes["\(wan)1."] == nil)
            let refreshed = try await harness.task(refresh.id, device: device)
            #expect(refreshed.status == .done)
            #expect(try await harness.task(reboot.id, device: device).status == .done)

            // The cache follows: the set value, the new instance, the deleted one.
            let cached = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.cwmp.parameters(of: device) }
            #expect(cached[Self.interval]?.value == "300")
            #expect(cached["\(wan)2."] != nil)
            #expect(cached.keys.contains { $0.hasPrefix("\(wan)1.") } == false)
            #expect(cached[bogus] == nil, "refresh forgets what the device no longer has")
            #expect(cached["InternetGatewayDevice.ManagementServer.PeriodicInformInterval"]?.writable == true)
            #expect(refreshed.result?["parameters"] != nil)

            // After the reboot the next session reports 1 BOOT and M Reboot with the CommandKey; a factory reset then runs.
            let reset = try await harness.queue(#"{"type": "factoryReset"}"#, device: device)
            let second = try await cpe.runSession()
            #expect(second.rpcs == ["FactoryReset"])
            let inform = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT events, command_keys FROM cwmp_informs ORDER BY id DESC LIMIT 1")
                    .decode(([String], [String]).self).first { _ in true }
            }
            #expect(inform?.0 == ["1 BOOT", "M Reboot"])
            #expect(inform?.1.contains("reboot-1") == true)
            #expect(try await harness.task(reset.id, device: device).status == .done)
            #expect(await cpe.cpe.pendingEvents.map(\.code) == ["0 BOOTSTRAP", "1 BOOT"])

            // Every task was audited when created and when settled, and its changes were published.
            let actions = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT action FROM audit_log WHERE target_type = 'device_task' ORDER BY seq").values(String.self)
            }
            #expect(actions.filter { $0 == "device_task.create" }.count == 7)
            #expect(actions.filter { $0 == "device_task.done" }.count == 7)
            try await Task.sleep(for: .milliseconds(300))
            let statuses = harness.events.all.filter { $0.topic == "devices/\(device.lowercased)" && $0.data.string("task_id") == reboot.id.lowercased }
                .compactMap { $0.data.string("status") }
            #expect(statuses == ["queued", "running", "done"])
        }
    }

    @Test func cpeFaultsSettleTasksWithCodeAndString() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let unknown = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["InternetGatewayDevice.NoSuchThing"]}"#, device: device)
            let readOnly = try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "InternetGatewayDevice.DeviceInfo.UpTime", "value": "1", "type": "xsd:unsignedInt"}]}"#, device: device)
            let after = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(Self.interval)"]}"#, device: device)
            try await cpe.runSession()
            let first = try await harness.task(unknown.id, device: device)
            #expect(first.status == .fault)
            #expect(first.fault == DeviceTask.Fault(code: 9005, string: "Invalid parameter name"))
            let second = try await harness.task(readOnly.id, device: device)
            #expect(second.status == .fault)
            #expect(second.fault?.code == 9003)
            guard case .array(let faults)? = second.result?["parameter_faults"] else {
                Issue.record("no parameter faults in \(String(describing: second.result))")
                return
            }
            #expect(faults.first?["code"] == .number(9008))
            #expect(faults.first?.string("name") == "InternetGatewayDevice.DeviceInfo.UpTime")
            #expect(try await harness.task(after.id, device: device).status == .done, "a fault does not stop the tasks behind it")
        }
    }

    @Test func tasksOfOneDeviceRunInOrderAcrossSessions() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            var ids: [UUID] = []
            for value in ["101", "102", "103"] {
                ids.append(try await harness.queue(#"{"type": "setParameterValues", "parameter_values": [{"name": "\#(Self.interval)", "value": "\#(value)", "type": "xsd:unsignedInt"}]}"#, device: device).id)
            }
            try await cpe.runSession()
            #expect(await cpe.cpe.model.nodes[Self.interval]?.value == "103")
            var finished: [Date] = []
            for id in ids {
                let task = try await harness.task(id, device: device)
                #expect(task.status == .done)
                finished.append(try #require(task.startedAt))
            }
            #expect(finished == finished.sorted())
            let history = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT new_value FROM device_parameter_changes WHERE path = \(Self.interval) ORDER BY id").values(String.self)
            }
            #expect(history == ["101", "102", "103"])
            // Each task enqueued its connection-request job under the device's ordering key.
            let keys = try await harness.stack.connect(harness.stack.globalURL) { connection in
                try await connection.query("SELECT count(*)::int FROM jobs WHERE ordering_key = \(device.lowercased)", logger: .init(label: "t"))
                    .values(Int.self)
            }
            #expect(keys.first ?? 0 <= 3)
        }
    }

    @Test func connectionRequestRunsTheTaskAtOnce() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device(mode: .digest, listening: true)
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (ready, signal) = AsyncStream.makeStream(of: String.self)
                group.addTask { try await cpe.serve { url in signal.yield(url) } }
                for await url in ready {
                    #expect(url.hasPrefix("http://127.2."))
                    break
                }
                let device = try await harness.register(cpe)
                let task = try await harness.queue(#"{"type": "getParameterValues", "parameter_names": ["\#(Self.interval)"]}"#, device: device)
                let settled = try await harness.wait(for: task.id, device: device)
                #expect(settled.status == .done, "the worker's connection request made the CPE open a session")
                #expect(await cpe.connectionRequests == 1)
                let events = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("SELECT events FROM cwmp_informs ORDER BY id DESC LIMIT 1").values([String].self)
                }
                #expect(events.first == ["6 CONNECTION REQUEST"])
                group.cancelAll()
            }
        }
    }

    @Test func connectionRequestsAreRateLimitedAndNeedTheRightCredentials() async throws {
        var settings = ACSConfiguration()
        settings.connectionRequest = ConnectionRequestSettings(timeout: 2, minimumInterval: 30)
        let configuration = settings
        try await TaskHarness.with(configuration: configuration, worker: false) { harness in
            let cpe = try harness.device(listening: true)
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (ready, signal) = AsyncStream.makeStream(of: String.self)
                group.addTask { try await cpe.serve { url in signal.yield(url) } }
                for await _ in ready { break }
                let device = try await harness.register(cpe)
                #expect(await harness.requester.request(device: device, provider: harness.provider.id) == .accepted(status: 200))
                #expect(await harness.requester.request(device: device, provider: harness.provider.id) == .rateLimited)
                harness.stack.clock.advance(by: 31)
                // The device's own credential overrides the provider default: a wrong one is refused.
                let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
                let wrong = ConnectionRequester(database: harness.stack.database, secrets: secrets, settings: configuration.connectionRequest,
                                                clock: harness.stack.clock, logger: .init(label: "t"))
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.connectionRequestCredentials.set(username: "acs", password: "not-the-password", device: device, secrets: secrets, by: .system)
                }
                #expect(await wrong.request(device: device, provider: harness.provider.id) == .refused(status: 401))
                let deadline = ContinuousClock.now + .seconds(5)
                while await cpe.reports.count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                #expect(await cpe.connectionRequests == 1)
                // Another provider's requester sees no such device.
                let other = try await harness.stack.makeProvider("other")
                #expect(await harness.requester.request(device: device, provider: other.id) == .unreachable)
                group.cancelAll()
            }
        }
    }

    @Test func connectionRequestTimesOutAfterTwoSeconds() async throws {
        try await TaskHarness.with(worker: false) { harness in
            // A listener that accepts TCP and never answers.
            let host = "127.2.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"
            let socket = try await ServerSocket.silent(host: host)
            defer { socket.close() }
            let cpe = try harness.device(listening: true, host: host)
            await cpe.setConnectionRequestURL("http://\(host):\(socket.port)/cr")
            let device = try await harness.register(cpe)
            let start = ContinuousClock.now
            let outcome = await harness.requester.request(device: device, provider: harness.provider.id)
            let elapsed = ContinuousClock.now - start
            guard case .failed = outcome else { Issue.record("expected a failure, got \(outcome)"); return }
            #expect(elapsed >= .milliseconds(1900) && elapsed < .seconds(4), "\(elapsed)")
        }
    }

    @Test func anotherProvidersDeviceIsNotFoundAndNothingIsWritten() async throws {
        try await TaskHarness.with { harness in
            let other = try await harness.stack.makeProvider("other")
            let foreign = try await harness.stack.database.withTenant(other.id) { tx in
                try await tx.devices.create(DeviceInput(name: "theirs", kind: .cpe), by: .system).id
            }
            let created = try await harness.call(.post, "/api/v1/devices/\(foreign.lowercased)/tasks", json: #"{"type": "reboot"}"#)
            #expect(created.status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/devices/\(foreign.lowercased)/tasks").status == .notFound)
            #expect(try await harness.call(.get, "/api/v1/devices/\(foreign.lowercased)/tasks/\(UUID().lowercased)").status == .notFound)
            #expect(try await harness.count("acs_tasks") == 0)
            #expect(try await harness.count("acs_tasks", provider: other.id) == 0)
            #expect(try await harness.count("jobs") == 0)
            #expect(try await harness.count("jobs", provider: other.id) == 0)
        }
    }

    @Test func viewerCannotQueueTasks() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            try await harness.stack.makeUser("viewer@acme.test", role: .viewer, provider: harness.provider.id)
            let login = try await harness.call(.post, "/api/v1/auth/login", json: #"{"email": "viewer@acme.test", "password": "correct horse battery"}"#)
            let token = try #require(login.string("access_token"))
            let refused = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/tasks", json: #"{"type": "reboot"}"#, token: token)
            #expect(refused.status == .forbidden)
            #expect(try await harness.call(.get, "/api/v1/devices/\(device.lowercased)/tasks", token: token).status == .ok, "viewers read tasks")
            #expect(try await harness.count("acs_tasks") == 0)
        }
    }

    static let badBodies: [(String, String)] = [
        (#"{"type": "explode"}"#, "type"),
        (#"{"parameter_names": ["Device.X"]}"#, "type"),
        (#"{"type": "getParameterValues"}"#, "parameter_names"),
        (#"{"type": "getParameterValues", "parameter_names": ["Device.A", "not a path"]}"#, "parameter_names[1]"),
        (#"{"type": "setParameterValues", "parameter_values": []}"#, "parameter_values"),
        (#"{"type": "setParameterValues", "parameter_values": [{"name": "Device.A.", "value": "1"}]}"#, "parameter_values[0].name"),
        (#"{"type": "setParameterValues", "parameter_values": [{"name": "Device.A", "value": "yes", "type": "xsd:boolean"}]}"#, "parameter_values[0].value"),
        (#"{"type": "setParameterValues", "parameter_values": [{"name": "Device.A", "value": "1", "type": "xsd:float"}]}"#, "parameter_values[0].type"),
        (#"{"type": "setParameterValues", "parameter_values": [{"name": "Device.A"}]}"#, "parameter_values[0].value"),
        (#"{"type": "setParameterValues", "parameter_values": [{"name": "Device.A", "value": "1"}], "parameter_key": "\#(String(repeating: "k", count: 40))"}"#, "parameter_key"),
        (#"{"type": "addObject", "object_name": "Device.IP.Interface"}"#, "object_name"),
        (#"{"type": "deleteObject", "object_name": "Device.IP.Interface."}"#, "object_name"),
        (#"{"type": "reboot", "command_key": "\#(String(repeating: "k", count: 33))"}"#, "command_key"),
        (#"{"type": "download"}"#, "file_id"),
        (#"{"type": "download", "url": "ftp://files.example/fw.bin", "file_type": "1 Firmware Upgrade Image"}"#, "url"),
        (#"{"type": "download", "url": "http://files.example/fw.bin"}"#, "file_type"),
        (#"{"type": "download", "url": "http://files.example/fw.bin", "file_type": "9 Nonsense"}"#, "file_type"),
        (#"{"type": "download", "file_id": "00000000-0000-0000-0000-000000000001"}"#, "file_id"),
        (#"{"type": "refresh", "path": "Other.Tree."}"#, "path"),
        (#"{"type": "reboot", "timeout_seconds": 0}"#, "timeout_seconds"),
    ]

    @Test func badArgumentsAre400NamingTheFieldAndQueueNothing() async throws {
        try await TaskHarness.with { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            for (body, field) in Self.badBodies {
                let answer = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/tasks", json: body)
                #expect(answer.status == .badRequest, "\(body) → \(answer.status)")
                #expect(answer.errorField == field, "\(body) → \(answer.text)")
            }
            #expect(try await harness.count("acs_tasks") == 0)
            #expect(try await harness.count("jobs") == 0)
        }
    }

    @Test func queuedTasksCanBeCancelledAndListed() async throws {
        try await TaskHarness.with(worker: false) { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let first = try await harness.queue(#"{"type": "reboot"}"#, device: device)
            let second = try await harness.queue(#"{"type": "factoryReset"}"#, device: device)
            let cancelled = try await harness.call(.delete, "/api/v1/devices/\(device.lowercased)/tasks/\(second.id.lowercased)")
            #expect(cancelled.status == .ok)
            #expect(cancelled.string("status") == "cancelled")
            let again = try await harness.call(.delete, "/api/v1/devices/\(device.lowercased)/tasks/\(second.id.lowercased)")
            #expect(again.status == .conflict)
            let report = try await cpe.runSession()
            #expect(report.rpcs == ["Reboot"])
            let list = try await harness.call(.get, "/api/v1/devices/\(device.lowercased)/tasks?status=done")
            guard case .array(let items)? = list.json?["items"] else { Issue.record("no items: \(list.text)"); return }
            #expect(items.map { $0.string("id")?.lowercased() } == [first.id.lowercased])
        }
    }

    @Test func simulatorProcessListensForConnectionRequests() async throws {
        try await TaskHarness.with(worker: false) { harness in
            var environment = ProcessInfo.processInfo.environment
            environment["OCTOISP_CPE_PASSWORD"] = ACSHarness.password
            environment["OCTOISP_CR_PASSWORD"] = TaskHarness.connectionRequestPassword
            let fixture = Fixtures.directory.appendingPathComponent("device-H199Z.csv").path
            let arguments = ["cpe-sim", "--acs", harness.acsURL.absoluteString, "--model", fixture, "--count", "2", "--username", "cpe",
                             "--auth", "digest", "--listen", "--cr-port", String(TestEnvironment.freeTCPPort()), "--cr-username", "acs",
                             "--duration", "45"]
            async let simulator = ChildProcess.octoisp(arguments, environment: environment)
            var devices: [UUID] = []
            // Discovering both trees (1,457 parameters each) takes a few seconds alone and far longer while
            // the rest of the suite runs; the listeners stay up for 45 s, the connection requests go by 40 s.
            let registered = ContinuousClock.now + .seconds(30)
            while devices.count < 2, ContinuousClock.now < registered {
                try await Task.sleep(for: .milliseconds(100))
                devices = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("""
                        SELECT device_id FROM cwmp_devices WHERE connection_request_url LIKE 'http://127.2.%' AND discovered_at IS NOT NULL
                        """).values(UUID.self)
                }
            }
            #expect(devices.count == 2, "both simulated CPEs registered with their listener's URL")
            for device in devices {
                #expect(await harness.requester.request(device: device, provider: harness.provider.id) == .accepted(status: 200))
            }
            var woken = 0
            let deadline = ContinuousClock.now + .seconds(10)
            while woken < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                woken = try await harness.count("cwmp_informs WHERE events = ARRAY['6 CONNECTION REQUEST']")
            }
            #expect(woken == 2)
            let run = try await simulator
            #expect(run.succeeded, "\(run.text)")
            #expect(run.text.contains("2 connection requests answered"), "\(run.text)")
        }
    }
}
