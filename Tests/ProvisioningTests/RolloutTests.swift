import ACS
import CPESimulator
import CWMP
import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization
import Testing

/// Bulk rollouts over many simulated CPEs: waves, per-device results, the failure threshold, cancel.
@Suite(.serialized) struct RolloutTests {
    static let model = "device-eg8145v5-no-voip.csv"
    static let ssid = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"

    /// Registers one CPE through a real discovery, then `count - 1` more devices as if discovered
    /// (serials `<serial>-1` … as the simulator numbers them) carrying the Wi-Fi and management subtrees
    /// of the first one's cached tree, which is what the rollout's action resolves against; no
    /// connection-request URL, so the sessions are the test's. Returns the simulated CPEs by device id.
    func fleet(_ harness: ProvisioningHarness, count: Int) async throws -> [UUID: SimulatedDevice] {
        let first = try harness.device(Self.model)
        let firstID = try await harness.register(first)
        let serial = await first.cpe.model.identity.serialNumber
        try await harness.stack.database.withTenant(harness.provider.id) { tx in
            try await tx.query("""
                INSERT INTO devices (provider_id, name, kind, vendor, model, serial_number, oui, product_class, firmware, hardware_version, status,
                                     last_seen_at, created_at, updated_at)
                SELECT s.provider_id, s.name || '-' || i, s.kind, s.vendor, s.model, s.serial_number || '-' || i, s.oui, s.product_class, s.firmware,
                       s.hardware_version, s.status, s.last_seen_at, s.created_at + i * interval '1 millisecond', s.updated_at
                FROM devices s, generate_series(1, \(count - 1)) i WHERE s.id = \(firstID)
                """)
            try await tx.query("""
                INSERT INTO cwmp_devices (provider_id, device_id, root, cwmp_version, connection_request_url, parameter_key, last_inform_at,
                                          last_events, informs, discovered_at)
                SELECT c.provider_id, d.id, c.root, c.cwmp_version, NULL, c.parameter_key, c.last_inform_at, c.last_events,
                       c.informs, c.discovered_at
                FROM cwmp_devices c JOIN devices d ON d.serial_number LIKE \(serial + "-%") WHERE c.device_id = \(firstID)
                """)
            try await tx.query("""
                INSERT INTO device_parameters (provider_id, device_id, path, value, type, writable, is_object, updated_at)
                SELECT p.provider_id, d.id, p.path, p.value, p.type, p.writable, p.is_object, p.updated_at
                FROM device_parameters p JOIN devices d ON d.serial_number LIKE \(serial + "-%")
                WHERE p.device_id = \(firstID) AND (p.path LIKE 'InternetGatewayDevice.LANDevice.1.WLANConfiguration.%'
                                                     OR p.path LIKE 'InternetGatewayDevice.ManagementServer.%')
                """)
        }
        let rows = try await harness.stack.database.withTenant(harness.provider.id) { tx in
            try await tx.query("SELECT id, serial_number FROM devices").decode((UUID, String).self).reduce(into: [(UUID, String)]()) { $0.append($1) }
        }
        let parsed = try Fixtures.model(Self.model)
        var devices: [UUID: SimulatedDevice] = [:]
        for (id, deviceSerial) in rows {
            if id == firstID {
                devices[id] = first
            } else if let index = Int(deviceSerial.dropFirst(serial.count + 1)) {
                devices[id] = harness.device(parsed: parsed, index: index)
            }
        }
        #expect(devices.count == count)
        return devices
    }

    /// Runs the sessions of the rollout's devices whose task is queued, `parallel` at a time, until
    /// the rollout is no longer running.
    func drive(_ harness: ProvisioningHarness, rollout: UUID, devices: [UUID: SimulatedDevice], parallel: Int = 8,
               seconds: Double = 180) async throws -> Rollout {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let state = try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.rollouts.get(rollout) }
            if state.status != .running { return state }
            let waiting = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("""
                    SELECT r.device_id FROM provisioning_rollout_devices r JOIN acs_tasks t ON t.id = r.task_id
                    WHERE r.rollout_id = \(rollout) AND r.status = 'running' AND t.status = 'queued'
                    """).values(UUID.self)
            }
            if waiting.isEmpty {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                var iterator = waiting.makeIterator()
                for _ in 0..<parallel {
                    guard let id = iterator.next(), let device = devices[id] else { break }
                    group.addTask { try await device.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]) }
                }
                while try await group.next() != nil {
                    if let id = iterator.next(), let device = devices[id] {
                        group.addTask { try await device.runSession(events: [InformEvent(code: InformEvent.connectionRequest)]) }
                    }
                }
            }
        }
        return try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.rollouts.get(rollout) }
    }

    @Test func rolloutOverAThousandCPEsRunsInWavesAndStopsAtTheFailureThreshold() async throws {
        try await ProvisioningHarness.with { harness in
            let count = 1_000
            let seeding = ContinuousClock.now
            let devices = try await fleet(harness, count: count)
            print("fleet of \(count) CPEs seeded in \(ContinuousClock.now - seeding)")
            // From the 301st device on, every CPE refuses the SSID (simulator hook): wave 4 fails entirely.
            let order = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.query("SELECT id FROM devices ORDER BY created_at, id").values(UUID.self)
            }
            for id in order.dropFirst(300) { await devices[id]?.modify { $0.refusedPaths = [Self.ssid] } }

            let started = ContinuousClock.now
            let response = try await harness.call(.post, "/api/v1/provisioning/rollouts", json: """
                {"name": "new ssid", "target": {"manufacturer": "Huawei*", "product_class": "EG8145*"},
                 "action": {"type": "set_wifi", "band": "2.4GHz", "ssid": "Wave"}, "wave_size": 100, "pause_seconds": 0, "failure_threshold": 0.2}
                """)
            #expect(response.status == .created, "\(response.text)")
            let id = try #require(response.json?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            #expect(response.json?["total"] == .number(Double(count)))
            let rollout = try await drive(harness, rollout: id, devices: devices)
            let elapsed = ContinuousClock.now - started
            print("rollout over \(count) CPEs: \(rollout.wave) waves, \(rollout.counts.succeeded) succeeded, \(rollout.counts.failed) failed, "
                  + "\(rollout.counts.skipped) skipped in \(elapsed)")

            #expect(rollout.status == .stopped)
            #expect(rollout.wave == 4)
            #expect(rollout.counts.succeeded == 300)
            #expect(rollout.counts.failed == 100)
            #expect(rollout.counts.skipped == 600)
            #expect(rollout.stopReason?.contains("threshold") == true)
            // The CPEs of the first three waves hold the new SSID; the skipped ones were never touched.
            for id in order.prefix(300) { #expect(await devices[id]?.cpe.model.nodes[Self.ssid]?.value == "Wave") }
            for id in order.suffix(600) {
                #expect(await devices[id]?.cpe.model.nodes[Self.ssid]?.value != "Wave")
                #expect(await devices[id]?.reports.count ?? 0 <= 1)
            }
            // Per-device results through the API.
            let failed = try await harness.call(.get, "/api/v1/provisioning/rollouts/\(id.lowercased)/devices?status=failed&limit=500")
            #expect(failed.json?["total"] == .number(100))
            guard case .array(let items)? = failed.json?["items"] else { Issue.record("no items: \(failed.text)"); return }
            #expect(items.allSatisfy { $0["error"]?.stringValue?.hasPrefix("9003") == true || $0["error"]?.stringValue?.hasPrefix("9008") == true })
            #expect(items.allSatisfy { $0["wave"] == .number(4) })
            let state = try await harness.call(.get, "/api/v1/provisioning/rollouts/\(id.lowercased)")
            #expect(state.json?["status"]?.stringValue == "stopped")
            // Progress was pushed on the realtime topic of the rollout.
            try await Task.sleep(for: .milliseconds(300))
            let progress = harness.events.all.filter { $0.topic == "provisioning/rollouts/\(id.lowercased)" }
            #expect(progress.count >= 5)
            #expect(progress.last?.data["status"]?.stringValue == "stopped")
        }
    }

    @Test func rolloutsCanBeCancelledAndBadOnesAreRefused() async throws {
        try await ProvisioningHarness.with { harness in
            let devices = try await fleet(harness, count: 20)
            let bad = try await harness.call(.post, "/api/v1/provisioning/rollouts", json: """
                {"name": "bad", "target": {}, "action": {"type": "set_wifi", "band": "5GHz", "ssid": ""}, "wave_size": 5}
                """)
            #expect(bad.status == .badRequest)
            #expect(bad.errorField == "action.ssid")
            let none = try await harness.call(.post, "/api/v1/provisioning/rollouts", json: """
                {"name": "none", "target": {"manufacturer": "Nokia"}, "action": {"type": "reapply"}}
                """)
            #expect(none.status == .badRequest)
            #expect(none.errorField == "target")

            let response = try await harness.call(.post, "/api/v1/provisioning/rollouts", json: """
                {"name": "slow", "target": {}, "action": {"type": "set_wifi", "band": "2.4GHz", "enabled": false}, "wave_size": 5, "pause_seconds": 3600}
                """)
            #expect(response.status == .created, "\(response.text)")
            let id = try #require(response.json?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            // Run the first wave, then cancel during the pause. The harness's worker has two slots; on a
            // loaded machine the first wave has once taken longer than 15 s to start.
            #expect(try await harness.eventually(seconds: 45) {
                let running = try await harness.call(.get, "/api/v1/provisioning/rollouts/\(id.lowercased)/devices?status=running")
                return running.json?["total"] == .number(5)
            })
            let cancel = try await harness.call(.post, "/api/v1/provisioning/rollouts/\(id.lowercased)/cancel")
            #expect(cancel.status == .ok, "\(cancel.text)")
            #expect(cancel.json?["status"]?.stringValue == "cancelled")
            let skipped = try await harness.call(.get, "/api/v1/provisioning/rollouts/\(id.lowercased)/devices?status=skipped")
            #expect(skipped.json?["total"] == .number(15))
            let again = try await harness.call(.post, "/api/v1/provisioning/rollouts/\(id.lowercased)/cancel")
            #expect(again.status == .conflict)
            #expect(devices.count == 20)
            #expect(try await harness.auditActions(target: id) == ["provisioning_rollout.create", "provisioning_rollout.cancel"])
        }
    }

    @Test func expiredTasksCountAsFailedDevices() async throws {
        try await ProvisioningHarness.with { harness in
            let devices = try await fleet(harness, count: 3)
            let response = try await harness.call(.post, "/api/v1/provisioning/rollouts", json: """
                {"name": "unreachable", "target": {}, "action": {"type": "set_wifi", "band": "2.4GHz", "ssid": "Gone"}, "wave_size": 3,
                 "failure_threshold": 1}
                """)
            #expect(response.status == .created, "\(response.text)")
            let id = try #require(response.json?["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            #expect(try await harness.eventually {
                let running = try await harness.call(.get, "/api/v1/provisioning/rollouts/\(id.lowercased)/devices?status=running")
                return running.json?["total"] == .number(3)
            })
            // The CPEs never come back: their tasks expire, the devices fail and the rollout completes. (Read from the
            // database: two days later the test's access token has expired too.)
            // A task row another transaction holds (a wake-up job) is skipped and expires on the next sweep, as in `serve`.
            harness.stack.clock.advance(by: 2 * 86_400)
            let expired = Mutex(0)
            #expect(try await harness.eventually {
                let count = await harness.engine.expireTasks()
                return expired.withLock { $0 += count; return $0 } >= 3
            })
            #expect(expired.withLock { $0 } == 3)
            let read: @Sendable () async throws -> Rollout = {
                try await harness.stack.database.withTenant(harness.provider.id) { tx in try await tx.rollouts.get(id) }
            }
            #expect(try await harness.eventually { try await read().status == .completed })
            #expect(try await read().counts.failed == 3)
            let errors = try await harness.stack.database.withTenant(harness.provider.id) { tx in
                try await tx.rollouts.devices(id, status: "failed", page: try PageRequest(limit: 10, offset: 0)).items.compactMap(\.error)
            }
            #expect(errors == ["expired", "expired", "expired"])
            for device in devices.keys { #expect(try await harness.state(device)?.status == .fault) }
        }
    }
}
