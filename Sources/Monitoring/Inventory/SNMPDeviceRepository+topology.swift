import Foundation
import OctoMetrics
import OctoStore
import PostgresNIO

extension SNMPDeviceRepository {
    /// Replaces the device's LLDP/CDP neighbours with `readings` and matches them to known devices and
    /// interfaces: this device's rows, and other devices' unmatched rows that may name this one.
    func recordNeighbors(_ device: UUID, _ readings: [NeighborReading], at now: Date) async throws {
        var kept: [String] = []
        for reading in readings {
            let key = "\(reading.discovery.rawValue)/\(reading.index)"
            kept.append(key)
            try await tx.query("""
                INSERT INTO snmp_neighbors (provider_id, device_id, protocol, item, local_if_index, local_port, remote_chassis_id,
                                            remote_port_id, remote_port_descr, remote_sys_name, remote_sys_descr, remote_platform,
                                            remote_address, updated_at)
                VALUES (\(tx.providerID), \(device), \(reading.discovery.rawValue), \(reading.index),
                        \(reading.localIfIndex.map { Int32(clamping: $0) }), \(reading.localPort), \(reading.remoteChassisId),
                        \(reading.remotePortId), \(reading.remotePortDescr), \(reading.remoteSysName), \(reading.remoteSysDescr),
                        \(reading.remotePlatform), \(reading.remoteAddress), \(now))
                ON CONFLICT (provider_id, device_id, protocol, item) DO UPDATE SET local_if_index = excluded.local_if_index,
                    local_port = excluded.local_port, remote_chassis_id = excluded.remote_chassis_id,
                    remote_port_id = excluded.remote_port_id, remote_port_descr = excluded.remote_port_descr,
                    remote_sys_name = excluded.remote_sys_name, remote_sys_descr = excluded.remote_sys_descr,
                    remote_platform = excluded.remote_platform, remote_address = excluded.remote_address,
                    updated_at = excluded.updated_at
                """)
        }
        try await tx.query("""
            DELETE FROM snmp_neighbors WHERE device_id = \(device) AND NOT ((protocol || '/' || item) = ANY(\(kept)))
            """)
        try await matchNeighbors(device)
    }

    /// Points neighbour rows at the known device they name — by management address (the device's SNMP
    /// address), then sysName, then a chassis MAC equal to one of its interfaces' — and at its interface
    /// whose name, description or MAC is the remote port id (or whose name is the port description).
    /// Runs over this device's rows and over other devices' rows not matched yet.
    func matchNeighbors(_ device: UUID) async throws {
        try await tx.query("""
            UPDATE snmp_neighbors SET remote_device_id = NULL, remote_if_index = NULL
            WHERE device_id = \(device) AND remote_device_id IS NOT NULL
            """)
        try await tx.query("""
            UPDATE snmp_neighbors n SET remote_device_id = m.device_id, remote_if_index = m.if_index
            FROM (
                SELECT n2.device_id AS owner, n2.protocol, n2.item, c.device_id, i.if_index
                FROM snmp_neighbors n2
                CROSS JOIN LATERAL (
                    SELECT s.device_id FROM snmp_devices s
                    WHERE s.device_id <> n2.device_id AND (
                        (n2.remote_address IS NOT NULL AND host(s.address) = n2.remote_address)
                        OR (n2.remote_sys_name IS NOT NULL AND lower(s.sys_name) = lower(n2.remote_sys_name))
                        OR (n2.remote_chassis_id IS NOT NULL AND EXISTS (
                            SELECT 1 FROM snmp_interfaces mi WHERE mi.device_id = s.device_id AND mi.mac = lower(n2.remote_chassis_id))))
                    ORDER BY (n2.remote_address IS NOT NULL AND host(s.address) = n2.remote_address) DESC,
                             (lower(s.sys_name) = lower(n2.remote_sys_name)) DESC NULLS LAST, s.device_id
                    LIMIT 1
                ) c
                LEFT JOIN LATERAL (
                    SELECT ri.if_index FROM snmp_interfaces ri
                    WHERE ri.device_id = c.device_id AND (
                        lower(ri.name) = lower(n2.remote_port_id) OR lower(ri.descr) = lower(n2.remote_port_id)
                        OR ri.mac = lower(n2.remote_port_id) OR lower(ri.name) = lower(n2.remote_port_descr))
                    ORDER BY (lower(ri.name) = lower(n2.remote_port_id)) DESC NULLS LAST, ri.if_index
                    LIMIT 1
                ) i ON true
                WHERE n2.device_id = \(device) OR (n2.remote_device_id IS NULL AND EXISTS (
                    SELECT 1 FROM snmp_devices me WHERE me.device_id = \(device) AND (
                        host(me.address) = n2.remote_address OR lower(me.sys_name) = lower(n2.remote_sys_name)
                        OR EXISTS (SELECT 1 FROM snmp_interfaces mm WHERE mm.device_id = me.device_id
                                   AND mm.mac = lower(n2.remote_chassis_id)))))
            ) m
            WHERE n.device_id = m.owner AND n.protocol = m.protocol AND n.item = m.item
              AND (n.remote_device_id IS DISTINCT FROM m.device_id OR n.remote_if_index IS DISTINCT FROM m.if_index)
            """)
    }

    /// Replaces the device's BGP peers; returns the state, uptime and prefix samples. Series keys in the
    /// device's `series` map: `bgp/<peer>/state`, `bgp/<peer>/established`, `bgp/<peer>/prefixes`.
    func recordBGP(_ device: UUID, _ peers: [BGPPeerReading], series: inout [String: Int64], at now: Date) async throws -> [MetricSample] {
        var samples: [MetricSample] = []
        for peer in peers {
            try await tx.query("""
                INSERT INTO snmp_bgp_peers (provider_id, device_id, peer_address, local_address, remote_as, state, admin_up,
                                            established_seconds, prefixes_received, source, remote_device_id, updated_at)
                VALUES (\(tx.providerID), \(device), \(peer.peerAddress), \(peer.localAddress), \(peer.remoteAS.map(Int64.init)),
                        \(peer.state.flatMap { (1...6).contains($0) ? Int16($0) : nil }), \(peer.adminUp),
                        \(peer.establishedSeconds.map(Int64.init)), \(peer.prefixesReceived.map { Int64(clamping: $0) }),
                        \(peer.source),
                        (SELECT s.device_id FROM snmp_devices s WHERE host(s.address) = \(peer.peerAddress) AND s.device_id <> \(device)
                         ORDER BY s.device_id LIMIT 1),
                        \(now))
                ON CONFLICT (provider_id, device_id, peer_address) DO UPDATE SET local_address = excluded.local_address,
                    remote_as = excluded.remote_as, state = excluded.state, admin_up = excluded.admin_up,
                    established_seconds = excluded.established_seconds, prefixes_received = excluded.prefixes_received,
                    source = excluded.source, remote_device_id = excluded.remote_device_id, updated_at = excluded.updated_at
                """)
            let labels = ["peer": peer.peerAddress]
            let values: [(String, String, String, Double?)] = [
                ("state", "bgpPeerState", "state", peer.state.map(Double.init)),
                ("established", "bgpPeerEstablishedTime", "s", peer.establishedSeconds.map(Double.init)),
                ("prefixes", "bgpPrefixesReceived", "prefixes", peer.prefixesReceived.map(Double.init)),
            ]
            for (key, metric, unit, value) in values {
                guard let value else { continue }
                let id = try await registeredSeries(device, "bgp/\(peer.peerAddress)/\(key)", metric: metric, labels: labels,
                                                    unit: unit, series: &series)
                samples.append(MetricSample(seriesId: id, at: now, value: value))
            }
        }
        try await tx.query("""
            DELETE FROM snmp_bgp_peers WHERE device_id = \(device) AND NOT (peer_address = ANY(\(peers.map(\.peerAddress))))
            """)
        return samples
    }

    /// The `subscriberSessions` samples (label `kind`), series key `sessions/<name>`.
    func recordSessions(_ device: UUID, _ counts: [SessionCount], series: inout [String: Int64], at now: Date) async throws -> [MetricSample] {
        var samples: [MetricSample] = []
        for count in counts {
            let id = try await registeredSeries(device, "sessions/\(count.name)", metric: "subscriberSessions",
                                                labels: ["kind": count.name], unit: "sessions", series: &series)
            samples.append(MetricSample(seriesId: id, at: now, value: count.count))
        }
        return samples
    }

    private func registeredSeries(_ device: UUID, _ key: String, metric: String, labels: [String: String], unit: String,
                                  series: inout [String: Int64]) async throws -> Int64 {
        if let id = series[key] { return id }
        let id = try await tx.metricSeries.register(MetricSeriesInput(deviceId: device, metric: metric, labels: labels,
                                                                      unit: unit, kind: .gauge)).id
        series[key] = id
        return id
    }
}
