import Foundation
import OctoCore
import OctoStore
import PostgresNIO

/// One ONU or OLT port of a device's optics inventory, as the last poll saw it.
public struct OpticsEntry: Codable, Sendable, Hashable {
    /// Where a reading stands against its ``OpticalThresholds``.
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Within the window.
        case ok
        /// Received power below the window (dirty or long fibre, bad splice).
        case low
        /// Received power above the window (no attenuator, receiver overload).
        case high
        /// No received power reported.
        case unknown
    }
    /// The device (the OLT) that reported it.
    public var deviceId: UUID
    /// The device's name.
    public var deviceName: String
    /// `onu` or `olt_port`.
    public var scope: String
    /// The vendor's table index, stable across polls (the id of the ONU or port on this device).
    public var item: String
    /// The vendor's label (`gpon-onu_1/2/1:5`), when the MIB gives one.
    public var label: String?
    /// The ONU's serial number, when known (the collectors do not read it yet: always absent today).
    public var serial: String?
    /// Received power, dBm.
    public var rxDbm: Double?
    /// Transmitted power, dBm.
    public var txDbm: Double?
    /// When the poll that read it finished.
    public var lastPollAt: Date
    /// Against the thresholds.
    public var status: Status
    /// The window the status was judged against.
    public var thresholds: OpticalThresholds
    /// Metric series of the received and transmitted power, for charts.
    public var rxSeriesId: Int64?
    /// See ``rxSeriesId``.
    public var txSeriesId: Int64?
}

/// Filters of an optics listing.
public enum OpticsStatusFilter: String, Sendable, CaseIterable {
    case ok, low, high, unknown
    /// `low` or `high`.
    case outOfRange = "out_of_range"
}

extension Transaction {
    /// The optics inventory of the provider's OLTs.
    public var snmpOptics: OpticsRepository { OpticsRepository(tx: self) }
}

/// Reads of `snmp_optics` (written by polls), judged against ``OpticalThresholds``.
public struct OpticsRepository: Sendable {
    let tx: Transaction

    /// `status` in SQL, from the thresholds (numbers fixed here, never client text).
    static let statusSQL = """
        CASE WHEN o.rx_dbm IS NULL THEN 'unknown'
             WHEN o.rx_dbm < (CASE o.scope WHEN 'onu' THEN \(OpticalThresholds.onu.rxMin) ELSE \(OpticalThresholds.oltPort.rxMin) END) THEN 'low'
             WHEN o.rx_dbm > (CASE o.scope WHEN 'onu' THEN \(OpticalThresholds.onu.rxMax) ELSE \(OpticalThresholds.oltPort.rxMax) END) THEN 'high'
             ELSE 'ok' END
        """

    static func statusCondition(_ filter: OpticsStatusFilter?) -> String {
        switch filter {
        case nil: "true"
        case .outOfRange?: "(\(statusSQL)) IN ('low', 'high')"
        case let status?: "(\(statusSQL)) = '\(status.rawValue)'"
        }
    }

    static func decode(_ row: PostgresRandomAccessRow) throws -> OpticsEntry {
        let scope: String = try row.column("scope")
        return OpticsEntry(deviceId: try row.column("device_id"), deviceName: try row.column("device_name"), scope: scope,
                           item: try row.column("item"), label: try row.column("label"), serial: nil, rxDbm: try row.column("rx_dbm"),
                           txDbm: try row.column("tx_dbm"), lastPollAt: try row.column("updated_at"),
                           status: OpticsEntry.Status(rawValue: try row.column("status")) ?? .unknown,
                           thresholds: scope == "onu" ? .onu : .oltPort, rxSeriesId: try row.column("rx_series_id"),
                           txSeriesId: try row.column("tx_series_id"))
    }

    /// A page of one device's optics (404 for an unknown device), or of every device of a POP (404 for
    /// an unknown POP), by device name, scope and item.
    public func list(device: UUID? = nil, pop: UUID? = nil, status: OpticsStatusFilter?, page: PageRequest) async throws -> Page<OpticsEntry> {
        if let device { _ = try await tx.devices.get(device) }
        if let pop { _ = try await tx.pops.get(pop) }
        let condition: PostgresQuery = """
            (\(device)::uuid IS NULL OR o.device_id = \(device)) AND (\(pop)::uuid IS NULL OR d.pop_id = \(pop))
            """
        let statusCondition = Self.statusCondition(status)
        let items = try await tx.query(PostgresQuery(unsafeSQL: """
            SELECT o.device_id, d.name AS device_name, o.scope, o.item, o.label, o.rx_dbm, o.tx_dbm, o.updated_at,
                   o.rx_series_id, o.tx_series_id, \(Self.statusSQL) AS status
            FROM snmp_optics o JOIN devices d ON d.id = o.device_id
            WHERE \(condition.sql) AND \(statusCondition)
            ORDER BY d.name, o.device_id, o.scope, o.item LIMIT \(page.limit) OFFSET \(page.offset)
            """, binds: condition.binds)).monitoringRows(Self.decode)
        let total = try await tx.query(PostgresQuery(unsafeSQL: """
            SELECT count(*)::int8 AS n FROM snmp_optics o JOIN devices d ON d.id = o.device_id WHERE \(condition.sql) AND \(statusCondition)
            """, binds: condition.binds)).monitoringRows { try $0.column("n", as: Int64.self) }.first ?? 0
        return Page(items: items, total: Int(total), limit: page.limit, offset: page.offset)
    }
}
