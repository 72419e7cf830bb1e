import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import PostgresNIO

/// What a poll needs to know about a device before it talks to it.
public struct SNMPPollPlan: Sendable, Hashable {
    /// The device.
    public var deviceId: UUID
    /// Its POP.
    public var popId: UUID?
    /// The agent's address.
    public var address: String
    /// The agent's port.
    public var port: Int
    /// The credential to use.
    public var credentialId: UUID?
    /// Whether the device is polled at all.
    public var enabled: Bool
    /// The identity found earlier, if any.
    public var identity: DeviceIdentity?
    /// `up`, `snmp_failing`, `down` or `unknown`.
    public var reachability: String
    /// Device-level metric series already registered.
    public var series: [String: Int64]
    /// The digest of the stored interface rows (``InterfaceStateCache/digest(_:)``), `nil` before the first.
    public var interfacesDigest: Int64?
}

/// One device eligible for the scheduler.
struct SNMPScheduleCandidate: Sendable {
    var deviceId: UUID
    var popId: UUID?
    var intervals: PollIntervals
    var lastRun: [CollectorKind: Int64]
}

extension SNMPDeviceRepository {
    /// The poll plan of a device, or `nil` when it has no SNMP state (deleted meanwhile).
    public func pollPlan(_ device: UUID) async throws -> SNMPPollPlan? {
        guard let (row, digest) = try await tx.query("\(unescaped: Self.select) WHERE s.device_id = \(device)")
            .monitoringFirst({ (try Self.decode($0), try $0.column("interfaces_digest", as: Int64?.self)) }) else { return nil }
        return Self.plan(row, interfacesDigest: digest)
    }

    /// The poll plans of these devices, read in one statement; a device without SNMP state (deleted
    /// meanwhile) has none.
    func pollPlans(_ devices: [UUID]) async throws -> [UUID: SNMPPollPlan] {
        var plans: [UUID: SNMPPollPlan] = [:]
        for (row, digest) in try await tx.query("\(unescaped: Self.select) WHERE s.device_id = ANY(\(devices))")
            .monitoringRows({ (try Self.decode($0), try $0.column("interfaces_digest", as: Int64?.self)) }) {
            plans[row.deviceId] = Self.plan(row, interfacesDigest: digest)
        }
        return plans
    }

    private static func plan(_ row: SNMPDevice, interfacesDigest digest: Int64?) -> SNMPPollPlan {
        let device = row.deviceId
        var identity: DeviceIdentity?
        if let profile = row.profile {
            identity = DeviceIdentity(profile: profile, vendor: row.vendor ?? "", os: row.os ?? "", kind: "other",
                                      model: row.model, version: row.version, serial: row.serial,
                                      sysObjectID: row.sysObjectId ?? "", sysDescr: row.sysDescr ?? "")
        }
        return SNMPPollPlan(deviceId: device, popId: row.popId, address: row.address, port: row.port,
                            credentialId: row.credentialId, enabled: row.enabled, identity: identity,
                            reachability: row.reachability, series: row.series, interfacesDigest: digest)
    }

    func get(deviceIfPresent device: UUID) async throws -> SNMPDevice? {
        try await tx.query("\(unescaped: Self.select) WHERE s.device_id = \(device)").monitoringFirst(Self.decode)
    }

    /// Enabled devices with their intervals and when each collector last ran.
    func scheduleCandidates() async throws -> [SNMPScheduleCandidate] {
        try await tx.query("""
            SELECT s.device_id, d.pop_id, s.intervals::text AS intervals, s.collected_at::text AS collected_at
            FROM snmp_devices s JOIN devices d ON d.id = s.device_id WHERE s.enabled
            """).monitoringRows { row in
                let stored = JSONText.decode(try row.column("intervals", as: String.self), as: [String: Int].self, default: [:])
                let collected = JSONText.decode(try row.column("collected_at", as: String.self), as: [String: Int64].self, default: [:])
                var lastRun: [CollectorKind: Int64] = [:]
                for (key, value) in collected { if let kind = CollectorKind(rawValue: key) { lastRun[kind] = value } }
                return SNMPScheduleCandidate(deviceId: try row.column("device_id"), popId: try row.column("pop_id"),
                                             intervals: PollIntervals(stored: stored), lastRun: lastRun)
            }
    }

    /// Records a successful poll: identity, system group, reachability, interfaces and optics
    /// inventory, metric series for new values. Publishes reachability and interface status changes.
    /// `latency` (ICMP or SNMP) becomes the `rtt` and `packetLoss` series and, for ICMP, the device's
    /// `icmp_*` columns. Returns the samples to submit once this transaction commits.
    public func recordSuccess(_ plan: SNMPPollPlan, identity: DeviceIdentity, credentialId: UUID?, result: PollResult,
                              collectors: Set<CollectorKind>, durationMs: Int, latency: LatencyMeasurement? = nil) async throws -> [MetricSample] {
        try await recordSuccess(plan, identity: identity, credentialId: credentialId, result: result, collectors: collectors,
                                durationMs: durationMs, latency: latency, interfaces: nil).samples
    }

    /// ``recordSuccess(_:identity:credentialId:result:collectors:durationMs:latency:)`` that skips the
    /// interface rows when `interfaces` (the process's cache) and the stored digest say they did not
    /// change. Also returns the interface state it stored, for the cache once the transaction committed.
    func recordSuccess(_ plan: SNMPPollPlan, identity: DeviceIdentity, credentialId: UUID?, result: PollResult,
                       collectors: Set<CollectorKind>, durationMs: Int, latency: LatencyMeasurement?,
                       interfaces cache: InterfaceStateCache?) async throws -> (samples: [MetricSample], interfaces: InterfaceStateCache.Entry?) {
        let now = tx.clock.now
        let device = plan.deviceId
        var samples: [MetricSample] = []
        var series = plan.series
        func deviceSeries(_ key: String, metric: String, labels: [String: String] = [:], unit: String) async throws -> Int64 {
            if let id = series[key] { return id }
            let registered = try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: metric, labels: labels,
                                                                                  unit: unit, kind: .gauge))
            series[key] = registered.id
            return registered.id
        }
        if let latency {
            samples += try await recordLatency(latency, device: device, series: &series, at: now, storeICMP: false)
        }
        if let ticks = result.system?.uptimeTicks {
            samples.append(MetricSample(seriesId: try await deviceSeries(Self.uptimeKey, metric: "sysUpTime", unit: "s"),
                                        at: now, value: Double(ticks) / 100))
        }
        for reading in result.health {
            let unit = reading.kind == .temperature ? "celsius" : "percent"
            let labels = reading.label.isEmpty ? [:] : ["label": reading.label]
            let id = try await deviceSeries(Self.seriesKey(reading), metric: reading.kind.rawValue, labels: labels, unit: unit)
            samples.append(MetricSample(seriesId: id, at: now, value: reading.value))
        }
        var interfaceState: InterfaceStateCache.Entry?
        if collectors.contains(.interfaces) && result.errors[.interfaces] == nil {
            let digest = InterfaceStateCache.digest(result.interfaces)
            if plan.interfacesDigest == digest, let provider = tx.providerID,
               let cached = cache?.entry(provider: provider, device: device, digest: digest) {
                samples += Self.interfaceSamples(result.interfaces, series: cached.series, at: now)
                interfaceState = cached
            } else {
                let series = try await recordInterfaces(device, result.interfaces, at: now)
                samples += Self.interfaceSamples(result.interfaces, series: series, at: now)
                interfaceState = InterfaceStateCache.Entry(digest: digest, series: series)
            }
        }
        if collectors.contains(.optics) && result.errors[.optics] == nil {
            samples += try await recordOptics(device, result.optics, at: now)
        }
        if collectors.contains(.bgp) && result.errors[.bgp] == nil {
            samples += try await recordBGP(device, result.bgpPeers, series: &series, at: now)
        }
        if !result.sessions.isEmpty {
            samples += try await recordSessions(device, result.sessions, series: &series, at: now)
        }
        try await recordPolled([Self.polledState(plan, identity: identity, credentialId: credentialId, result: result,
                                                  collectors: collectors, durationMs: durationMs, latency: latency, series: series,
                                                  interfacesDigest: interfaceState?.digest, at: now)])
        // After the device row: its sysName and interfaces are what other devices' neighbours match on.
        if collectors.contains(.neighbors) && result.errors[.neighbors] == nil {
            try await recordNeighbors(device, result.neighbors, at: now)
        }
        if plan.reachability != "up" {
            try await publishReachability(device, "up")
        }
        return (samples, interfaceState)
    }

    /// Records a failed poll; counts failures and timeouts. The device is `down` from its first
    /// failure, unless ICMP echo answered during the poll (`latency` with method `icmp`): then it is
    /// `snmp_failing` (reachable, online, but not pollable). Returns the latency samples to submit.
    @discardableResult
    public func recordFailure(_ plan: SNMPPollPlan, error: String, timedOut: Bool, durationMs: Int,
                              latency: LatencyMeasurement? = nil) async throws -> [MetricSample] {
        let now = tx.clock.now
        let state = latency.map { $0.method == .icmp && $0.answered } == true ? "snmp_failing" : "down"
        var series = plan.series
        var samples: [MetricSample] = []
        if let latency {
            samples = try await recordLatency(latency, device: plan.deviceId, series: &series, at: now)
        }
        try await tx.query("""
            UPDATE snmp_devices SET
                reachability_since = CASE WHEN reachability = \(state) THEN reachability_since ELSE \(now) END,
                reachability = \(state), last_poll_at = \(now), last_poll_ms = \(Int32(clamping: durationMs)),
                last_poll_varbinds = 0, last_error = \(String(error.prefix(1000))),
                consecutive_failures = consecutive_failures + 1, polls = polls + 1, failures = failures + 1,
                timeouts = timeouts + \(timedOut ? Int64(1) : Int64(0)), series = \(try JSONText.encode(series))::jsonb,
                updated_at = \(now)
            WHERE device_id = \(plan.deviceId)
            """)
        if state == "down" {
            try await tx.query("UPDATE devices SET status = 'offline' WHERE id = \(plan.deviceId) AND status <> 'disabled'")
        } else {
            try await tx.query("UPDATE devices SET status = 'online', last_seen_at = \(now) WHERE id = \(plan.deviceId) AND status <> 'disabled'")
        }
        if plan.reachability != state {
            try await publishReachability(plan.deviceId, state)
        }
        return samples
    }

    /// Registers the `rtt` / `packetLoss` series the measurement needs, stores an ICMP measurement on
    /// the device row (unless `storeICMP` is false: a successful poll stores it with the rest of the
    /// row), and returns the samples.
    private func recordLatency(_ latency: LatencyMeasurement, device: UUID, series: inout [String: Int64],
                               at now: Date, storeICMP: Bool = true) async throws -> [MetricSample] {
        var samples: [MetricSample] = []
        for item in latency.series {
            let id: Int64
            if let known = series[item.key] {
                id = known
            } else {
                id = try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: item.metric,
                                                                          labels: ["method": latency.method.rawValue],
                                                                          unit: item.unit, kind: .gauge)).id
                series[item.key] = id
            }
            samples.append(MetricSample(seriesId: id, at: now, value: item.value))
        }
        if storeICMP && latency.method == .icmp {
            try await tx.query("""
                UPDATE snmp_devices SET icmp_rtt_ms = \(latency.rttMs), icmp_loss_percent = \(Float(latency.lossPercent)),
                    icmp_checked_at = \(now) WHERE device_id = \(device)
                """)
        }
        return samples
    }

    /// Records a poll that was not attempted because the device's address may not be contacted: the
    /// reachability becomes `unknown` (nothing was asked, so nothing is known) and `last_error` says why.
    public func recordRefused(_ plan: SNMPPollPlan, error: String) async throws {
        let now = tx.clock.now
        try await tx.query("""
            UPDATE snmp_devices SET
                reachability_since = CASE WHEN reachability = 'unknown' THEN reachability_since ELSE \(now) END,
                reachability = 'unknown', last_poll_at = \(now), last_poll_ms = 0, last_poll_varbinds = 0,
                last_error = \(String(error.prefix(1000))), updated_at = \(now)
            WHERE device_id = \(plan.deviceId)
            """)
        if plan.reachability != "unknown" {
            try await publishReachability(plan.deviceId, "unknown")
        }
    }

    private func publishReachability(_ device: UUID, _ state: String) async throws {
        try await tx.publish(topic: "devices", data: .object([
            "event": .string("reachability"), "id": .string(device.lowercased), "reachability": .string(state),
        ]))
    }

    /// Writes the interface rows that changed (a row equal to its reading is left alone), registers
    /// series for new interfaces or changed speeds, drops rows the device no longer has, publishes
    /// oper-status changes; returns each interface's counter series.
    private func recordInterfaces(_ device: UUID, _ readings: [InterfaceReading], at now: Date) async throws -> [Int: InterfaceStateCache.Series] {
        struct Stored {
            var name: String, descr: String?, alias: String?, type: Int32?, mac: String?, mtu: Int32?, speed: Int64?
            var adminUp: Bool?, oper: Int?, bits: Int, inSeries: Int64?, outSeries: Int64?, inErrors: Int64?, outErrors: Int64?
        }
        var existing: [Int: Stored] = [:]
        for row in try await tx.query("""
            SELECT if_index, name, descr, alias, type, mac, mtu, speed_bps, admin_up, oper_status, counter_bits, in_series_id,
                   out_series_id, in_errors_series_id, out_errors_series_id FROM snmp_interfaces WHERE device_id = \(device)
            """).monitoringRows({ row in
                (Int(try row.column("if_index", as: Int32.self)),
                 Stored(name: try row.column("name"), descr: try row.column("descr"), alias: try row.column("alias"),
                        type: try row.column("type"), mac: try row.column("mac"), mtu: try row.column("mtu"),
                        speed: try row.column("speed_bps"), adminUp: try row.column("admin_up"),
                        oper: try row.column("oper_status", as: Int32?.self).map(Int.init),
                        bits: Int(try row.column("counter_bits", as: Int16.self)),
                        inSeries: try row.column("in_series_id"), outSeries: try row.column("out_series_id"),
                        inErrors: try row.column("in_errors_series_id"), outErrors: try row.column("out_errors_series_id")))
            }) {
            existing[row.0] = row.1
        }
        var series: [Int: InterfaceStateCache.Series] = [:]
        for reading in readings {
            let speed = reading.speedBitsPerSecond.map { Int64(clamping: $0) }
            let old = existing[reading.ifIndex]
            var inSeries = old?.inSeries
            var outSeries = old?.outSeries
            let labels = ["ifIndex": String(reading.ifIndex)]
            if inSeries == nil || outSeries == nil || old?.speed != speed || old?.bits != reading.octetCounterBits {
                let maxRate = speed.flatMap { $0 > 0 ? Double($0) / 8 : nil }
                inSeries = try await tx.metricSeries.register(MetricSeriesInput(
                    deviceId: device, metric: "ifInOctets", labels: labels, unit: "octets", kind: .counter,
                    counterBits: reading.octetCounterBits, maxRate: maxRate)).id
                outSeries = try await tx.metricSeries.register(MetricSeriesInput(
                    deviceId: device, metric: "ifOutOctets", labels: labels, unit: "octets", kind: .counter,
                    counterBits: reading.octetCounterBits, maxRate: maxRate)).id
            }
            // Error counters (Counter32, not scaled by the speed) get their series once the device reports them.
            func errorSeries(_ metric: String, _ stored: Int64?, reported: Bool) async throws -> Int64? {
                guard reported else { return nil }
                if let stored { return stored }
                return try await tx.metricSeries.register(MetricSeriesInput(
                    deviceId: device, metric: metric, labels: labels, unit: "errors", kind: .counter, counterBits: 32)).id
            }
            let inErrors = try await errorSeries("ifInErrors", old?.inErrors, reported: reading.inErrors != nil)
            let outErrors = try await errorSeries("ifOutErrors", old?.outErrors, reported: reading.outErrors != nil)
            if let inSeries, let outSeries {
                series[reading.ifIndex] = .init(input: inSeries, output: outSeries, inErrors: inErrors, outErrors: outErrors)
            }
            let type = reading.type.map { Int32(clamping: $0) }
            let mtu = reading.mtu.map { Int32(clamping: $0) }
            if let old, old.name == reading.name, old.descr == reading.descr, old.alias == reading.alias, old.type == type,
               old.mac == reading.mac, old.mtu == mtu, old.speed == speed, old.adminUp == reading.adminUp,
               old.oper == reading.operStatus, old.bits == reading.octetCounterBits, old.inSeries == inSeries,
               old.outSeries == outSeries, old.inErrors == inErrors, old.outErrors == outErrors {
                continue
            }
            let changed = old != nil && old?.oper != reading.operStatus
            try await tx.query("""
                INSERT INTO snmp_interfaces (provider_id, device_id, if_index, name, descr, alias, type, mac, mtu, speed_bps,
                                             admin_up, oper_status, last_change_at, counter_bits, in_series_id, out_series_id,
                                             in_errors_series_id, out_errors_series_id, updated_at)
                VALUES (\(tx.providerID), \(device), \(Int32(clamping: reading.ifIndex)), \(reading.name), \(reading.descr),
                        \(reading.alias), \(type), \(reading.mac), \(mtu), \(speed), \(reading.adminUp),
                        \(reading.operStatus.map { Int32(clamping: $0) }), \(changed ? now : nil),
                        \(Int16(clamping: reading.octetCounterBits)), \(inSeries), \(outSeries), \(inErrors), \(outErrors), \(now))
                ON CONFLICT (provider_id, device_id, if_index) DO UPDATE SET name = excluded.name, descr = excluded.descr,
                    alias = excluded.alias, type = excluded.type, mac = excluded.mac, mtu = excluded.mtu,
                    speed_bps = excluded.speed_bps, admin_up = excluded.admin_up, oper_status = excluded.oper_status,
                    last_change_at = coalesce(excluded.last_change_at, snmp_interfaces.last_change_at),
                    counter_bits = excluded.counter_bits, in_series_id = excluded.in_series_id,
                    out_series_id = excluded.out_series_id, in_errors_series_id = excluded.in_errors_series_id,
                    out_errors_series_id = excluded.out_errors_series_id, updated_at = excluded.updated_at
                """)
            if changed {
                try await tx.publish(topic: "devices", data: .object([
                    "event": .string("interface"), "id": .string(device.lowercased), "if_index": .number(Double(reading.ifIndex)),
                    "oper_status": .string(SNMPInterface.statusName(reading.operStatus)),
                ]))
            }
        }
        let seen = Set(readings.map(\.ifIndex))
        if existing.keys.contains(where: { !seen.contains($0) }) {
            let kept = seen.map { Int32(clamping: $0) }
            try await tx.query("DELETE FROM snmp_interfaces WHERE device_id = \(device) AND NOT (if_index = ANY(\(kept)))")
        }
        return series
    }

    /// The octet and error samples of the readings, on their interfaces' series.
    static func interfaceSamples(_ readings: [InterfaceReading], series: [Int: InterfaceStateCache.Series], at now: Date) -> [MetricSample] {
        var samples: [MetricSample] = []
        samples.reserveCapacity(readings.count * 4)
        for reading in readings {
            guard let ids = series[reading.ifIndex] else { continue }
            if let value = reading.inOctets { samples.append(MetricSample(seriesId: ids.input, at: now, value: Double(value))) }
            if let value = reading.outOctets { samples.append(MetricSample(seriesId: ids.output, at: now, value: Double(value))) }
            if let id = ids.inErrors, let value = reading.inErrors { samples.append(MetricSample(seriesId: id, at: now, value: Double(value))) }
            if let id = ids.outErrors, let value = reading.outErrors { samples.append(MetricSample(seriesId: id, at: now, value: Double(value))) }
        }
        return samples
    }

    /// Upserts optical readings and their rx/tx power series; returns the samples.
    private func recordOptics(_ device: UUID, _ readings: [OpticalReading], at now: Date) async throws -> [MetricSample] {
        var samples: [MetricSample] = []
        for reading in readings {
            let labels = ["scope": reading.scope.rawValue, "index": reading.index]
            let rx = try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: "opticalRxPower", labels: labels,
                                                                          unit: "dBm", kind: .gauge)).id
            let tx2 = try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: "opticalTxPower", labels: labels,
                                                                           unit: "dBm", kind: .gauge)).id
            try await tx.query("""
                INSERT INTO snmp_optics (provider_id, device_id, scope, item, label, rx_dbm, tx_dbm, rx_series_id, tx_series_id, updated_at)
                VALUES (\(tx.providerID), \(device), \(reading.scope.rawValue), \(reading.index), \(reading.label), \(reading.rxDbm),
                        \(reading.txDbm), \(rx), \(tx2), \(now))
                ON CONFLICT (provider_id, device_id, scope, item) DO UPDATE SET label = excluded.label, rx_dbm = excluded.rx_dbm,
                    tx_dbm = excluded.tx_dbm, rx_series_id = excluded.rx_series_id, tx_series_id = excluded.tx_series_id,
                    updated_at = excluded.updated_at
                """)
            if let value = reading.rxDbm { samples.append(MetricSample(seriesId: rx, at: now, value: value)) }
            if let value = reading.txDbm { samples.append(MetricSample(seriesId: tx2, at: now, value: value)) }
        }
        return samples
    }
}
