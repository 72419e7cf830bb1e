import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// Provisioning end to end: templates through the API, the real CWMP endpoint, simulated CPEs replaying
/// fixture models, PostgreSQL holding templates, state and audit.
@Suite(.serialized) struct ApplyTests {
    static let wlan = "InternetGatewayDevice.LANDevice.1.WLANConfiguration."
    static let template = #"""
        {"name": "zte-default", "match": {"manufacturer": "ZTE", "product_class": "ZXHN*H199*"}, "priority": 5,
         "settings": {"wifi": [{"band": "2.4GHz", "ssid": "Acme-{{device.serial}}", "key": "{{generated.wifi_key}}", "security": "wpa2", "channel": "auto"},
                               {"band": "5GHz", "ssid": "Acme5-{{device.serial}}", "key": "{{generated.wifi_key}}", "security": "wpa2", "channel": 36}],
                      "ntp": {"enabled": true, "servers": ["a.ntp.br"]}},
         "policies": {"allowed_security": ["wpa2", "wpa3", "wpa2_wpa3"], "wps_off": true, "inform_interval": 900}}
        """#

    func createTemplate(_ harness: ProvisioningHarness, _ json: String = Self.template) async throws -> UUID {
        let response = try await harness.call(.post, "/api/v1/provisioning/templates", json: json)
        try #require(response.status == .created, "\(response.text)")
        return try #require(response.json?["template"]?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
    }

    @Test func templateIsAppliedAfterBootstrapAndVerifiedInTheSimulator() async throws {
        try await ProvisioningHarness.with { harness in
            let template = try await createTemplate(harness)
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            let serial = await cpe.cpe.model.identity.serialNumber
            // Discovery ended the BOOTSTRAP session; the apply task waits for the next session.
            let queued = try #require(try await harness.state(device))
            #expect(queued.status == .applying)
            #expect(queued.templateId == template)
            #expect(queued.templateVersion == 1)
            let report = try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
            #expect(report.rpcs == ["SetParameterValues"])

            let model = await cpe.cpe.model
            #expect(model.nodes[Self.wlan + "1.SSID"]?.value == "Acme-\(serial)")
            #expect(model.nodes[Self.wlan + "5.SSID"]?.value == "Acme5-\(serial)")
            #expect(model.nodes[Self.wlan + "5.Channel"]?.value == "36")
            #expect(model.nodes[Self.wlan + "5.AutoChannelEnable"]?.value == "false")
            #expect(model.nodes[Self.wlan + "1.AutoChannelEnable"]?.value == "true")
            #expect(model.nodes[Self.wlan + "1.WPS.Enable"]?.value == "false", "policy wps_off")
            #expect(model.nodes["InternetGatewayDevice.ManagementServer.PeriodicInformInterval"]?.value == "900", "policy inform_interval")
            #expect(model.nodes["InternetGatewayDevice.Time.NTPServer1"]?.value == "a.ntp.br")
            let key = try #require(model.nodes[Self.wlan + "1.KeyPassphrase"]?.value)
            #expect(key.count == 16)
            #expect(model.nodes[Self.wlan + "5.KeyPassphrase"]?.value == key)

            let state = try #require(try await harness.state(device))
            #expect(state.status == .applied)
            #expect(state.lastAppliedAt != nil)
            #expect(await cpe.cpe.parameterKey == state.parameterKey)
            // Verification: the next session reads the applied paths back and finds the desired values.
            let applyTask = try #require(state.taskId)
            let verifyTask = try #require(state.verifyTaskId)
            let readBack = try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
            #expect(readBack.rpcs == ["GetParameterValues"])
            let sentPaths = try await harness.tasks(device).first { $0.id == applyTask }?.arguments.parameterValues?.map(\.name)
            #expect(try await harness.tasks(device).first { $0.id == verifyTask }?.arguments.parameterNames == sentPaths)
            let verified = try #require(try await harness.state(device))
            #expect(verified.status == .verified)
            #expect(verified.mismatches.isEmpty)
            #expect(verified.lastVerifiedAt != nil)
            #expect(try await harness.auditActions(target: device).last == "provisioning.verified")
            let verifiedAudit = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT after::text FROM audit_log WHERE action = 'provisioning.verified' AND target_id = \(device.lowercased)").values(String.self)
            }
            #expect(verifiedAudit.count == 1 && verifiedAudit.first?.contains(key) == false)
            // The generated key is stored sealed, never in clear text.
            let sealed = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT wifi_key_sealed FROM device_provisioning WHERE device_id = \(device)").values(String.self)
            }
            #expect(sealed.count == 1 && sealed[0].hasPrefix("v1.") && !sealed[0].contains(key))
            // Audit: who, which template version, before → after (secrets masked), result.
            let actions = try await harness.auditActions(target: device)
            #expect(actions.contains("provisioning.apply") && actions.contains("provisioning.applied"))
            let after = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT after::text FROM audit_log WHERE action = 'provisioning.apply' AND target_id = \(device.lowercased)").values(String.self)
            }
            #expect(after.first?.contains("\"template_version\": 1") == true, "\(after)")
            #expect(after.first?.contains(key) == false, "keys are masked in the audit log")
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.events.all.contains { $0.topic == "devices/\(device.lowercased)" && $0.data["event"]?.stringValue == "provisioning" })

            // ParameterKey short-circuit: applying again queues nothing and the next session carries no RPC.
            let tasksBefore = try await harness.tasks(device).count
            let again = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/provisioning/apply")
            #expect(again.status == .ok)
            #expect(again.json?["outcome"]?.stringValue == "unchanged")
            #expect(again.json?["plan"]?["parameter_key"]?.stringValue == state.parameterKey)
            #expect(try await harness.tasks(device).count == tasksBefore)
            #expect(try await harness.state(device)?.status == .verified)
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.periodic)]).rpcs.isEmpty)
        }
    }

    @Test func driftIsCorrected() async throws {
        try await ProvisioningHarness.with { harness in
            _ = try await createTemplate(harness)
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            try await cpe.runSession()
            #expect(try await cpe.runSession().rpcs == ["GetParameterValues"], "the read-back of the apply")
            #expect(try await harness.state(device)?.status == .verified)
            let serial = await cpe.cpe.model.identity.serialNumber
            // Someone changes the SSID on the device itself.
            await cpe.modify { $0.model.set(Self.wlan + "1.SSID", value: "hacked") }
            // Not checked again within the interval; after it, the drift job (as the recurring schedule enqueues it) queues a check.
            #expect(try await harness.service.queueDriftChecks(provider: harness.provider.id, database: harness.stack.database,
                                                               before: harness.stack.clock.now.addingTimeInterval(-3_600)) == 0)
            harness.stack.clock.advance(by: 7_200)
            _ = try await harness.queue.enqueue(try JobRequest(ProvisioningDriftJob(olderThanSeconds: 3_600), providerID: harness.provider.id))
            #expect(try await harness.eventually {
                try await harness.tasks(device).last?.commandKey.hasPrefix(ProvisioningService.driftCommandPrefix) == true
            })
            let check = try await cpe.runSession(events: [InformEvent(code: InformEvent.periodic)])
            #expect(check.rpcs == ["GetParameterValues"])
            let fix = try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
            #expect(fix.rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.SSID"]?.value == "Acme-\(serial)")
            let last = try #require(try await harness.tasks(device).last { $0.type == .setParameterValues })
            #expect(last.arguments.parameterValues?.map(\.name) == [Self.wlan + "1.SSID"], "only what drifted is sent")
            #expect(try await harness.state(device)?.status == .applied)
            #expect(try await harness.state(device)?.reason == "drift")
        }
    }

    @Test func bandsAreSwitchedOffAndOnByRemoteActions() async throws {
        try await ProvisioningHarness.with { harness in
            _ = try await createTemplate(harness)
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            try await cpe.runSession()
            for enabled in [false, true] {
                let response = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/actions",
                                                      json: #"{"type": "set_wifi", "band": "5GHz", "enabled": \#(enabled)}"#)
                #expect(response.status == .accepted, "\(response.text)")
                #expect(response.json?["apply"]?["outcome"]?.stringValue == "queued")
                let report = try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)])
                #expect(report.rpcs == ["SetParameterValues"])
                #expect(await cpe.cpe.model.nodes[Self.wlan + "5.Enable"]?.value == String(enabled))
                let state = try #require(try await harness.state(device))
                #expect(state.status == .applied)
                #expect(state.overrides["wifi"] == .array([.object(["band": .string("5GHz"), "enabled": .bool(enabled)])]))
            }
            #expect(try await harness.auditActions(target: device).filter { $0 == "provisioning.action" }.count == 2)
            // A new key is applied, and kept only sealed: the state row shows it masked.
            let keyChange = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/actions",
                                                   json: #"{"type": "set_wifi", "band": "2.4GHz", "key": "brand-new-key-42"}"#)
            #expect(keyChange.status == .accepted, "\(keyChange.text)")
            #expect(try await cpe.runSession().rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.KeyPassphrase"]?.value == "brand-new-key-42")
            let row = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT p::text FROM device_provisioning p WHERE device_id = \(device)").values(String.self)
            }
            #expect(row.count == 1 && !row[0].contains("brand-new-key-42"))
            let masked = try #require(try await harness.state(device))
            #expect(masked.desired.first { $0.path == Self.wlan + "1.KeyPassphrase" }?.value == "********")
            #expect(masked.status == .applied)
            // The sealed overrides still hold the 5 GHz band switch and the key: nothing else to send.
            let again = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/provisioning/apply")
            #expect(again.json?["outcome"]?.stringValue == "unchanged", "\(again.text)")
            // A bad action is a 400 naming the field; nothing is queued.
            let count = try await harness.tasks(device).count
            let bad = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/actions",
                                             json: #"{"type": "set_wifi", "band": "5GHz", "channel": 500}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.errorField == "channel")
            let policy = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/actions",
                                                json: #"{"type": "set_wifi", "band": "5GHz", "security": "open"}"#)
            #expect(policy.status == .badRequest, "the template's policy allows only WPA2/WPA3")
            #expect(try await harness.tasks(device).count == count)
            // Reboot goes through as a device task.
            let reboot = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/actions", json: #"{"type": "reboot"}"#)
            #expect(reboot.status == .accepted)
            #expect(try await cpe.runSession().rpcs == ["GetParameterValues", "Reboot"], "the key change's read-back, then the reboot")
            #expect(try await harness.state(device)?.status == .verified, "a key read back in clear is compared too")
        }
    }

    @Test func versionsAreImmutableDiffedAndRolledBack() async throws {
        try await ProvisioningHarness.with { harness in
            let template = try await createTemplate(harness)
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            try await cpe.runSession()
            let serial = await cpe.cpe.model.identity.serialNumber
            let v2 = try await harness.call(.post, "/api/v1/provisioning/templates/\(template.lowercased)/versions", json: #"""
                {"settings": {"wifi": [{"band": "2.4GHz", "ssid": "Second-{{device.serial}}", "key": "{{generated.wifi_key}}", "security": "wpa2", "channel": "auto"},
                                       {"band": "5GHz", "ssid": "Acme5-{{device.serial}}", "key": "{{generated.wifi_key}}", "security": "wpa2", "channel": 36}],
                              "ntp": {"enabled": true, "servers": ["a.ntp.br"]}}, "note": "new SSID"}
                """#)
            #expect(v2.status == .created, "\(v2.text)")
            #expect(v2.json?["version"]?["version"] == .number(2))
            let diff = try await harness.call(.get, "/api/v1/provisioning/templates/\(template.lowercased)/diff?from=1&to=2")
            #expect(diff.json?["changes"] == .array([.object(["field": .string("wifi.ssid@2.4GHz"), "before": .string("Acme-{{device.serial}}"),
                                                              "after": .string("Second-{{device.serial}}")])]))
            // The template job applies the new version to the matching device.
            #expect(try await harness.eventually { try await harness.state(device)?.templateVersion == 2 })
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]).rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.SSID"]?.value == "Second-\(serial)")

            let rollback = try await harness.call(.post, "/api/v1/provisioning/templates/\(template.lowercased)/rollback", json: #"{"version": 1}"#)
            #expect(rollback.status == .created, "\(rollback.text)")
            #expect(rollback.json?["version"]?["version"] == .number(3))
            #expect(rollback.json?["version"]?["source_version"] == .number(1))
            #expect(try await harness.eventually { try await harness.state(device)?.templateVersion == 3 })
            #expect(try await cpe.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]).rpcs == ["SetParameterValues"])
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.SSID"]?.value == "Acme-\(serial)")
            let versions = try await harness.call(.get, "/api/v1/provisioning/templates/\(template.lowercased)/versions")
            guard case .array(let list)? = versions.json?["items"] else { Issue.record("no versions: \(versions.text)"); return }
            #expect(list.count == 3)

            // Versions cannot be changed by the application role.
            await #expect(throws: (any Error).self) {
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.query("UPDATE provisioning_template_versions SET note = 'edited' WHERE template_id = \(template)")
                }
            }
            #expect(try await harness.auditActions(target: template) == ["provisioning_template.create", "provisioning_template.version",
                                                                         "provisioning_template.rollback"])
        }
    }

    /// An apply audits its task (holding the provider's audit chain) before it saves the device's
    /// state, whose foreign key share-locks the template row. A version change taken meanwhile must
    /// not lock that row against the key check and then wait for the chain: that is a deadlock, and
    /// PostgreSQL would abort one side with an internal error.
    @Test func aRollbackAndAnApplyHoldingTheAuditChainBothCommit() async throws {
        try await ProvisioningHarness.with(worker: false) { harness in
            let template = try await createTemplate(harness)
            let (audited, auditedContinuation) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
            let apply = Task {
                try await harness.stack.database.withTenant(harness.provider.id) { tx in
                    try await tx.audit("device_task.create", by: .system, target: ("device_task", UUID().lowercased))
                    auditedContinuation.yield()
                    for await _ in release { break }
                    // What the foreign key check of device_provisioning does when the apply saves the state.
                    try await tx.query("SELECT 1 FROM provisioning_templates WHERE id = \(template) FOR KEY SHARE")
                }
            }
            for await _ in audited { break }
            let rollback = Task { try await harness.call(.post, "/api/v1/provisioning/templates/\(template.lowercased)/rollback", json: #"{"version": 1}"#) }
            // The rollback has reached the audit chain and waits for the apply's transaction.
            #expect(try await harness.eventually {
                try await harness.stack.database.globalStatement("""
                    SELECT count(*)::int FROM pg_locks
                    WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """).map { try $0.decode(Int.self) }.first == 1
            })
            releaseContinuation.yield()
            try await apply.value
            let answer = try await rollback.value
            #expect(answer.status == .created, "\(answer.text)")
            #expect(answer.json?["version"]?["version"] == .number(2))
        }
    }

    @Test(arguments: [
        (#"{"name": "t", "settings": {"wifi": [{"band": "5GHz", "colour": "red"}]}}"#, "settings.wifi[0].colour"),
        (#"{"name": "t", "settings": {"radius": {"server": "x"}}}"#, "settings.radius"),
        (#"{"name": "t", "settings": {}, "path_overrides": {"wifi.colour": "LANDevice.1.X"}}"#, "path_overrides.wifi.colour"),
        (#"{"name": "t", "settings": {}, "path_overrides": {"wifi.key@5GHz": "LANDevice..1"}}"#, "path_overrides.wifi.key@5GHz"),
        // Keys that once trapped the process: empty, only a band, an empty band.
        (#"{"name": "t", "settings": {}, "path_overrides": {"": "x"}}"#, "path_overrides."),
        (#"{"name": "t", "settings": {}, "path_overrides": {"@5GHz": "LANDevice.1.X"}}"#, "path_overrides.@5GHz"),
        (#"{"name": "t", "settings": {}, "path_overrides": {"wifi.ssid@": "LANDevice.1.X"}}"#, "path_overrides.wifi.ssid@"),
        (#"{"name": "t", "settings": {"wifi": [{"band": "5GHz", "security": "open"}]}, "policies": {"allowed_security": ["wpa2"]}}"#, "settings.wifi.security@5GHz"),
    ])
    func badTemplatesAreRejectedNamingTheFieldAndNothingIsStored(_ json: String, _ field: String) async throws {
        try await ProvisioningHarness.with(worker: false) { harness in
            let response = try await harness.call(.post, "/api/v1/provisioning/templates", json: json)
            #expect(response.status == .badRequest)
            #expect(response.errorField == field, "\(response.text)")
            let stored = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT count(*)::int FROM provisioning_templates").values(Int.self)
            }
            #expect(stored == [0])
        }
    }

    @Test func aPathTheModelLacksIsRejectedBeforeAnythingIsSentAndDryRunShowsExactChanges() async throws {
        try await ProvisioningHarness.with(worker: false) { harness in
            let cpe = try harness.device()
            let device = try await harness.register(cpe)
            #expect(try await harness.state(device)?.status == .unmatched)
            // Dry run of ad-hoc settings: the exact changes, nothing queued.
            let dry = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/provisioning/dry-run",
                                             json: #"{"action": {"type": "set_wifi", "band": "5GHz", "ssid": "Preview", "channel": 116}}"#)
            #expect(dry.status == .ok, "\(dry.text)")
            guard case .array(let changes)? = dry.json?["changes"] else { Issue.record("no changes"); return }
            // Channel 116 is the current channel: only AutoChannelEnable and the SSID change.
            #expect(changes.compactMap { $0["path"]?.stringValue } == [Self.wlan + "5.AutoChannelEnable", Self.wlan + "5.SSID"])
            #expect(changes.first?["current"]?.stringValue == "true")
            #expect(changes.first?["value"]?.stringValue == "false")
            #expect(changes.last?["current"]?.stringValue == "Anlix-ZTE-H199Z-5G")
            #expect(changes.last?["value"]?.stringValue == "Preview")
            #expect(try await harness.tasks(device).isEmpty)

            // A template whose path override the device does not have: refused for this device, nothing sent.
            _ = try await createTemplate(harness, #"""
                {"name": "bad-path", "settings": {"wifi": [{"band": "2.4GHz", "ssid": "X"}]},
                 "path_overrides": {"wifi.ssid@2.4GHz": "LANDevice.1.WLANConfiguration.1.X_NoSuchSSID"}}
                """#)
            let result = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/provisioning/apply")
            #expect(result.json?["outcome"]?.stringValue == "rejected")
            #expect(result.text.contains("X_NoSuchSSID"))
            #expect(try await harness.tasks(device).isEmpty)
            let state = try #require(try await harness.state(device))
            #expect(state.status == .error)
            #expect(state.errors.map(\.code) == [.missingPath])
            #expect(try await cpe.runSession().rpcs.isEmpty)
        }
    }

    @Test func aPathTheDeviceRefusesIsMarkedAndLeftOutNextTime() async throws {
        try await ProvisioningHarness.with(worker: false) { harness in
            _ = try await createTemplate(harness)
            let cpe = try harness.device()
            await cpe.modify { $0.refusedPaths = [Self.wlan + "5.Channel"] }
            let device = try await harness.register(cpe)
            #expect(try await cpe.runSession().rpcs == ["SetParameterValues"])
            let faulted = try #require(try await harness.state(device))
            #expect(faulted.status == .fault)
            #expect(faulted.rejectedPaths == [Self.wlan + "5.Channel"])
            #expect(faulted.faults.map(\.code) == [9008])
            let retry = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/provisioning/apply")
            #expect(retry.json?["outcome"]?.stringValue == "queued")
            #expect(try await cpe.runSession().rpcs == ["SetParameterValues"])
            let applied = try #require(try await harness.state(device))
            #expect(applied.status == .applied)
            #expect(!applied.desired.contains { $0.path == Self.wlan + "5.Channel" })
            #expect(await cpe.cpe.model.nodes[Self.wlan + "1.SSID"]?.value.hasPrefix("Acme-") == true)
        }
    }

    @Test func aValueTheDeviceAcknowledgesButDoesNotApplyIsAMismatch() async throws {
        try await ProvisioningHarness.with(worker: false) { harness in
            _ = try await createTemplate(harness)
            let cpe = try harness.device()
            // Firmware that answers SetParameterValues with status 0 but keeps its old 5 GHz SSID.
            await cpe.modify { $0.ignoredPaths = [Self.wlan + "5.SSID"] }
            let device = try await harness.register(cpe)
            let old = try #require(await cpe.cpe.model.nodes[Self.wlan + "5.SSID"]?.value)
            let serial = await cpe.cpe.model.identity.serialNumber
            #expect(try await cpe.runSession().rpcs == ["SetParameterValues"])
            #expect(try await harness.state(device)?.status == .applied)
            #expect(try await cpe.runSession().rpcs == ["GetParameterValues"])
            let state = try #require(try await harness.state(device))
            #expect(state.status == .mismatch)
            #expect(state.mismatches == [DeviceProvisioning.Mismatch(path: Self.wlan + "5.SSID", expected: "Acme5-\(serial)", read: old)])
            #expect(try await harness.auditActions(target: device).last == "provisioning.mismatch")
            let api = try await harness.call(.get, "/api/v1/devices/\(device.lowercased)/provisioning")
            #expect(api.json?["status"]?.stringValue == "mismatch", "\(api.text)")
            guard case .array(let listed)? = api.json?["mismatches"] else { Issue.record("no mismatches: \(api.text)"); return }
            #expect(listed.first?["path"]?.stringValue == Self.wlan + "5.SSID")
            // The read value is cached, so the next apply sends the SSID again.
            let again = try await harness.call(.post, "/api/v1/devices/\(device.lowercased)/provisioning/apply")
            #expect(again.json?["outcome"]?.stringValue == "queued", "\(again.text)")
            guard case .array(let changes)? = again.json?["plan"]?["changes"] else { Issue.record("no changes: \(again.text)"); return }
            #expect(changes.compactMap { $0["path"]?.stringValue } == [Self.wlan + "5.SSID"])
            #expect(changes.first?["current"]?.stringValue == old)
        }
    }

    @Test func secretsReadBackEmptyOrMaskedAreUnverifiableNotMismatches() {
        let key = Self.wlan + "1.KeyPassphrase"
        let ssid = Self.wlan + "1.SSID"
        let sent = [DeviceTaskInput.ParameterValueInput(name: key, value: "correct-horse-50", type: "xsd:string"),
                    DeviceTaskInput.ParameterValueInput(name: ssid, value: "Acme", type: "xsd:string")]
        for masked in ["", "********", "••••"] {
            let outcome = ProvisioningService.verify(sent: sent, read: [ParameterValue(name: key, value: masked, type: "xsd:string"),
                                                                         ParameterValue(name: ssid, value: "Acme", type: "xsd:string")], secret: [key])
            #expect(outcome.mismatches.isEmpty)
            #expect(outcome.unverified == [key])
        }
        let wrong = ProvisioningService.verify(sent: sent, read: [ParameterValue(name: key, value: "other-key-123", type: "xsd:string")], secret: [key])
        #expect(wrong.mismatches == [.init(path: key, expected: "********", read: "********"), .init(path: ssid, expected: "Acme", read: nil)])
        #expect(wrong.unverified.isEmpty)
    }
}
