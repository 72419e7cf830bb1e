import Foundation
import OctoCore
import OctoMetrics
import OctoStore
import PostgresNIO

/// What a successful poll writes to its device's `snmp_devices` and `devices` rows.
struct PolledState: Sendable {
    var deviceId: UUID
    var identity: DeviceIdentity
    var kind: String
    var credentialId: UUID?
    var system: SystemInfo?
    var durationMs: Int32
    var varbinds: Int32
    var error: String?
    /// JSON object: collector → when it last ran (merged into the stored object, new keys win).
    var collected: String
    /// JSON object: the device-level series (replaces the stored object).
    var series: String
    var interfacesDigest: Int64?
    /// An ICMP echo measured during the poll.
    var icmp: (rttMs: Double?, lossPercent: Float)?
    var at: Date
}

extension SNMPDeviceRepository {
    /// The key of the device's `sysUpTime` series in ``SNMPPollPlan/series``.
    static let uptimeKey = "sysUpTime"

    /// The key of a health reading's series in ``SNMPPollPlan/series``.
    static func seriesKey(_ reading: HealthReading) -> String { "\(reading.kind.rawValue)/\(reading.label)" }

    /// The device rows a successful poll writes.
    static func polledState(_ plan: SNMPPollPlan, identity: DeviceIdentity, credentialId: UUID?, result: PollResult,
                            collectors: Set<CollectorKind>, durationMs: Int, latency: LatencyMeasurement?,
                            series: [String: Int64], interfacesDigest: Int64?, at now: Date) throws -> PolledState {
        var collected: [String: Int64] = [:]
        for collector in collectors where result.errors[collector] == nil {
            collected[collector.rawValue] = Int64(now.timeIntervalSince1970.rounded(.down))
        }
        let failed = result.errors.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue): \($0.value)" }
        return PolledState(deviceId: plan.deviceId, identity: identity, kind: (Device.Kind(rawValue: identity.kind) ?? .other).rawValue,
                           credentialId: credentialId, system: result.system, durationMs: Int32(clamping: durationMs),
                           varbinds: Int32(clamping: result.varbinds), error: failed.isEmpty ? nil : failed.joined(separator: "; "),
                           collected: try JSONText.encode(collected), series: try JSONText.encode(series),
                           interfacesDigest: interfacesDigest,
                           icmp: latency.flatMap { $0.method == .icmp ? ($0.rttMs, Float($0.lossPercent)) : nil }, at: now)
    }

    /// A successful poll that needs no statement but its device rows: every series it samples is
    /// registered, its interfaces are the ones this process stored last (``InterfaceStateCache``), it
    /// collected nothing with rows of its own (optics, BGP peers, sessions, neighbours), and the device
    /// was up already (no reachability event). Such polls are written many to a statement
    /// (``recordPolled(_:)``); `nil` means the poll needs ``recordSuccess(_:identity:credentialId:result:collectors:durationMs:latency:interfaces:)``.
    static func polledWithoutChanges(_ plan: SNMPPollPlan, provider: UUID, identity: DeviceIdentity, credentialId: UUID?,
                                     result: PollResult, collectors: Set<CollectorKind>, durationMs: Int,
                                     latency: LatencyMeasurement?, interfaces cache: InterfaceStateCache?,
                                     at now: Date) throws -> (state: PolledState, samples: [MetricSample], interfaces: InterfaceStateCache.Entry?)? {
        guard plan.reachability == "up", result.sessions.isEmpty else { return nil }
        for collector in [CollectorKind.optics, .bgp, .neighbors] where collectors.contains(collector) && result.errors[collector] == nil {
            return nil
        }
        var samples: [MetricSample] = []
        for item in latency?.series ?? [] {
            guard let id = plan.series[item.key] else { return nil }
            samples.append(MetricSample(seriesId: id, at: now, value: item.value))
        }
        if let ticks = result.system?.uptimeTicks {
            guard let id = plan.series[uptimeKey] else { return nil }
            samples.append(MetricSample(seriesId: id, at: now, value: Double(ticks) / 100))
        }
        for reading in result.health {
            guard let id = plan.series[seriesKey(reading)] else { return nil }
            samples.append(MetricSample(seriesId: id, at: now, value: reading.value))
        }
        var entry: InterfaceStateCache.Entry?
        if collectors.contains(.interfaces) && result.errors[.interfaces] == nil {
            let digest = InterfaceStateCache.digest(result.interfaces)
            guard plan.interfacesDigest == digest, let cached = cache?.entry(provider: provider, device: plan.deviceId, digest: digest) else {
                return nil
            }
            samples += interfaceSamples(result.interfaces, series: cached.series, at: now)
            entry = cached
        }
        let state = try polledState(plan, identity: identity, credentialId: credentialId, result: result, collectors: collectors,
                                    durationMs: durationMs, latency: latency, series: plan.series,
                                    interfacesDigest: entry?.digest, at: now)
        return (state, samples, entry)
    }

    /// Writes the device rows of successful polls: one statement for each set of distinct devices (a
    /// device polled twice in one call is written in order, by a second statement).
    func recordPolled(_ states: [PolledState]) async throws {
        var remaining = states[...]
        while !remaining.isEmpty {
            var seen = Set<UUID>()
            var layer: [PolledState] = []
            var later: [PolledState] = []
            for state in remaining {
                if seen.insert(state.deviceId).inserted { layer.append(state) } else { later.append(state) }
            }
            try await writePolled(layer)
            remaining = later[...]
        }
    }

    /// One statement for both rows of every device (a CTE over `unnest` of the columns). Arrays carry no
    /// NULLs here, so a bit per nullable field says which are absent (`nulls`).
    private func writePolled(_ states: [PolledState]) async throws {
        let count = states.count
        var ids: [UUID] = [], profiles: [String] = [], vendors: [String] = [], systems: [String] = [], models: [String] = []
        var versions: [String] = [], serials: [String] = [], objectIDs: [String] = [], descriptions: [String] = []
        var credentials: [UUID] = [], names: [String] = [], locations: [String] = [], contacts: [String] = []
        var uptimes: [Int64] = [], durations: [Int32] = [], varbinds: [Int32] = [], errors: [String] = []
        var collected: [String] = [], series: [String] = [], digests: [Int64] = [], rtts: [Double] = [], losses: [Float] = []
        var kinds: [String] = [], times: [Date] = [], nulls: [Int32] = []
        ids.reserveCapacity(count)
        for state in states {
            var absent: Int32 = 0
            func text(_ value: String?, _ bit: Int32) -> String {
                if value == nil { absent |= bit }
                return value ?? ""
            }
            ids.append(state.deviceId)
            profiles.append(state.identity.profile)
            vendors.append(state.identity.vendor)
            systems.append(state.identity.os)
            models.append(text(state.identity.model, 1))
            versions.append(text(state.identity.version, 2))
            serials.append(text(state.identity.serial, 4))
            objectIDs.append(state.identity.sysObjectID)
            descriptions.append(state.identity.sysDescr)
            if state.credentialId == nil { absent |= 8 }
            credentials.append(state.credentialId ?? state.deviceId)
            names.append(text(state.system?.name, 16))
            locations.append(text(state.system?.location, 32))
            contacts.append(text(state.system?.contact, 64))
            if state.system?.uptimeTicks == nil { absent |= 128 }
            uptimes.append(state.system?.uptimeTicks.map(Int64.init) ?? 0)
            durations.append(state.durationMs)
            varbinds.append(state.varbinds)
            errors.append(text(state.error, 256))
            collected.append(state.collected)
            series.append(state.series)
            if state.interfacesDigest == nil { absent |= 512 }
            digests.append(state.interfacesDigest ?? 0)
            if state.icmp == nil { absent |= 1024 }
            if state.icmp?.rttMs == nil { absent |= 2048 }
            rtts.append(state.icmp?.rttMs ?? 0)
            losses.append(state.icmp?.lossPercent ?? 0)
            kinds.append(state.kind)
            times.append(state.at)
            nulls.append(absent)
        }
        try await tx.query("""
            WITH input AS (
                SELECT * FROM unnest(\(ids)::uuid[], \(profiles)::text[], \(vendors)::text[], \(systems)::text[], \(models)::text[],
                                     \(versions)::text[], \(serials)::text[], \(objectIDs)::text[], \(descriptions)::text[],
                                     \(credentials)::uuid[], \(names)::text[], \(locations)::text[], \(contacts)::text[],
                                     \(uptimes)::int8[], \(durations)::int4[], \(varbinds)::int4[], \(errors)::text[],
                                     \(collected)::text[], \(series)::text[], \(digests)::int8[], \(rtts)::float8[],
                                     \(losses)::float4[], \(kinds)::text[], \(times)::timestamptz[], \(nulls)::int4[])
                    AS i(device_id, profile, vendor, os, model, version, serial, sys_object_id, sys_descr, credential_id,
                         sys_name, sys_location, sys_contact, uptime_ticks, poll_ms, varbinds, error, collected, series,
                         digest, rtt_ms, loss, kind, at, nulls)),
            polled AS (
                UPDATE snmp_devices s SET profile = i.profile, vendor = i.vendor, os = i.os,
                    model = CASE WHEN i.nulls & 1 = 0 THEN i.model END,
                    version = CASE WHEN i.nulls & 2 = 0 THEN i.version END,
                    serial = CASE WHEN i.nulls & 4 = 0 THEN i.serial END,
                    sys_object_id = i.sys_object_id, sys_descr = i.sys_descr,
                    credential_id = CASE WHEN i.nulls & 8 = 0 THEN i.credential_id ELSE s.credential_id END,
                    sys_name = CASE WHEN i.nulls & 16 = 0 THEN i.sys_name ELSE s.sys_name END,
                    sys_location = CASE WHEN i.nulls & 32 = 0 THEN i.sys_location ELSE s.sys_location END,
                    sys_contact = CASE WHEN i.nulls & 64 = 0 THEN i.sys_contact ELSE s.sys_contact END,
                    uptime_ticks = CASE WHEN i.nulls & 128 = 0 THEN i.uptime_ticks ELSE s.uptime_ticks END,
                    reachability_since = CASE WHEN s.reachability = 'up' THEN s.reachability_since ELSE i.at END,
                    reachability = 'up', last_poll_at = i.at, last_poll_ms = i.poll_ms, last_poll_varbinds = i.varbinds,
                    last_error = CASE WHEN i.nulls & 256 = 0 THEN i.error END,
                    consecutive_failures = 0, polls = s.polls + 1, collected_at = s.collected_at || i.collected::jsonb,
                    series = i.series::jsonb,
                    interfaces_digest = CASE WHEN i.nulls & 512 = 0 THEN i.digest ELSE s.interfaces_digest END,
                    icmp_rtt_ms = CASE WHEN i.nulls & 1024 <> 0 THEN s.icmp_rtt_ms WHEN i.nulls & 2048 = 0 THEN i.rtt_ms END,
                    icmp_loss_percent = CASE WHEN i.nulls & 1024 <> 0 THEN s.icmp_loss_percent ELSE i.loss END,
                    icmp_checked_at = CASE WHEN i.nulls & 1024 <> 0 THEN s.icmp_checked_at ELSE i.at END,
                    updated_at = i.at
                FROM input i WHERE s.device_id = i.device_id RETURNING s.device_id)
            UPDATE devices d SET status = 'online', last_seen_at = i.at, vendor = coalesce(d.vendor, i.vendor),
                model = coalesce(d.model, CASE WHEN i.nulls & 1 = 0 THEN i.model END),
                kind = CASE WHEN d.kind = 'other' THEN i.kind ELSE d.kind END
            FROM input i WHERE d.id = i.device_id
            """)
    }
}
