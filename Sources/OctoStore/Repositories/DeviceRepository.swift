import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// The tenant's devices.
    public var devices: DeviceRepository { DeviceRepository(tx: self) }
}

/// Devices of the transaction's provider.
public struct DeviceRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, provider_id, pop_id, customer_id, name, kind, vendor, model, serial_number, oui, product_class, firmware,
        hardware_version, mac, host(management_ip) AS management_ip, status, last_seen_at, notes, tags, created_at, updated_at
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> Device {
        Device(id: try row.get("id"), providerId: try row.get("provider_id"), popId: try row.get("pop_id"),
               customerId: try row.get("customer_id"), name: try row.get("name"),
               kind: Device.Kind(rawValue: try row.get("kind")) ?? .other,
               vendor: try row.get("vendor"), model: try row.get("model"), serialNumber: try row.get("serial_number"),
               oui: try row.get("oui"), productClass: try row.get("product_class"), firmware: try row.get("firmware"),
               hardwareVersion: try row.get("hardware_version"), mac: try row.get("mac"),
               managementIp: try row.get("management_ip"),
               status: Device.Status(rawValue: try row.get("status")) ?? .pending,
               lastSeenAt: try row.get("last_seen_at"), notes: try row.get("notes"), tags: try row.get("tags"),
               createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"))
    }

    /// The WHERE clause of a filtered list (binds included). Its first bind, `$1`, is the search pattern
    /// (NULL without a search). With `searchIds`, the matches of the search are read from that CTE of
    /// the statement, which holds `device_search_ids($1)` (see ``list(_:page:)``), rather than searched again.
    static func whereClause(_ filter: DeviceFilter, group: DeviceGroup? = nil, searchIds: String? = nil) -> PostgresQuery {
        let pattern = filter.query.flatMap { $0.isEmpty ? nil : "%\(LikePattern.escape($0.lowercased()))%" }
        let matches = searchIds.map { "SELECT id FROM \($0)" } ?? "SELECT device_search_ids($1::text)"
        // A dynamic group's rule is applied as more conditions; a static group's members come from its table.
        let rule = group?.filter ?? DeviceGroupFilter()
        let members = group?.kind == .static ? group?.id : nil
        return """
            (\(pattern)::text IS NULL OR id IN (\(unescaped: matches)))
            AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
            AND (\(filter.kind?.rawValue)::text IS NULL OR kind = \(filter.kind?.rawValue))
            AND (\(filter.vendor)::text IS NULL OR lower(vendor) = lower(\(filter.vendor)))
            AND (\(filter.popId)::uuid IS NULL OR pop_id = \(filter.popId))
            AND (\(filter.customerId)::uuid IS NULL OR customer_id = \(filter.customerId))
            AND (\(filter.model)::text IS NULL OR lower(model) = lower(\(filter.model)))
            AND (\(filter.tag)::text IS NULL OR tags @> ARRAY[\(filter.tag)::text])
            AND (\(members)::uuid IS NULL OR id IN (SELECT device_id FROM device_group_members WHERE group_id = \(members)))
            AND (\(rule.vendor)::text IS NULL OR lower(vendor) = lower(\(rule.vendor)))
            AND (\(rule.model)::text IS NULL OR lower(model) = lower(\(rule.model)))
            AND (\(rule.popId)::uuid IS NULL OR pop_id = \(rule.popId))
            AND (\(rule.status?.rawValue)::text IS NULL OR status = \(rule.status?.rawValue))
            AND (\(rule.kind?.rawValue)::text IS NULL OR kind = \(rule.kind?.rawValue))
            AND (\(rule.tag)::text IS NULL OR tags @> ARRAY[\(rule.tag)::text])
            """
    }

    /// Past this many matches a list stops counting: its total is then this bound with
    /// ``Page/totalIsEstimate`` set ("more than 10,000"). Counting every one of a large provider's
    /// devices on each page was most of the list's time.
    public static let exactTotalLimit = 10_000

    /// A page of devices ordered by name, with the number of matches (exact up to
    /// ``exactTotalLimit``, that bound past it).
    public func list(_ filter: DeviceFilter, page: PageRequest) async throws -> Page<Device> {
        // A group the tenant cannot see is an empty list, as an unknown id always was.
        var group: DeviceGroup?
        if let id = filter.groupId {
            guard let found = try await tx.deviceGroups.find(id) else {
                return Page(items: [], total: 0, limit: page.limit, offset: page.offset, totalIsEstimate: false)
            }
            group = found
        }
        // One statement: the search runs once (a CTE) for both the page and its count, and the count,
        // an uncorrelated subquery, is evaluated once, reading at most one match past the bound so it
        // does not grow with the provider.
        let condition = Self.whereClause(filter, group: group, searchIds: "search")
        let rows = try await tx.query(PostgresQuery(unsafeSQL: """
            WITH search AS MATERIALIZED (SELECT device_search_ids($1::text) AS id WHERE $1::text IS NOT NULL)
            SELECT \(Self.columns),
                   (SELECT count(*)::int FROM (SELECT 1 FROM devices WHERE \(condition.sql) LIMIT \(Self.exactTotalLimit + 1)) AS matches) AS matches
            FROM devices WHERE \(condition.sql) ORDER BY \(Self.order(filter.sort)) LIMIT \(page.limit) OFFSET \(page.offset)
            """, binds: condition.binds)).map { row in (device: try Self.decode(row), matches: try row.get("matches", as: Int.self)) }
        let items = rows.map(\.device)
        var counted = rows.first?.matches ?? 0
        if rows.isEmpty && page.offset > 0 {
            // Past the last page: the count on its own.
            let alone = Self.whereClause(filter, group: group)
            counted = try await tx.query(PostgresQuery(
                unsafeSQL: "SELECT count(*)::int AS count FROM (SELECT 1 FROM devices WHERE \(alone.sql) LIMIT \(Self.exactTotalLimit + 1)) AS matches",
                binds: alone.binds)).first { try $0.get("count", as: Int.self) } ?? 0
        }
        let capped = counted > Self.exactTotalLimit
        return Page(items: items, total: capped ? Self.exactTotalLimit : counted, limit: page.limit, offset: page.offset, totalIsEstimate: capped)
    }

    /// `ORDER BY` of a list: a whitelisted column (``DeviceFilter/sortKeys``), the id breaking ties.
    /// Columns that cannot be null are ordered as their indexes are (`devices_list` serves the name).
    static func order(_ sort: ListSort?) -> String {
        guard let sort else { return "name, id" }
        let columns = ["name": "name", "status": "status", "kind": "kind", "vendor": "vendor", "model": "model",
                       "last_seen_at": "last_seen_at", "created_at": "created_at", "updated_at": "updated_at"]
        return sort.sql(columns: columns, notNull: ["name", "status", "kind", "created_at", "updated_at"])
    }

    /// The device, or ``OctoError/Code/notFound``.
    public func get(_ id: UUID) async throws -> Device {
        guard let device = try await tx.query("SELECT \(unescaped: Self.columns) FROM devices WHERE id = \(id)").first(Self.decode) else {
            throw OctoError.notFound("device")
        }
        return device
    }

    /// Creates a device.
    public func create(_ input: DeviceInput, by actor: Actor) async throws -> Device {
        guard let name = input.name?.trimmed, !name.isEmpty else { throw OctoError.invalid("name", "name is required") }
        try Self.validate(input)
        let tags = try DeviceTags.validate(input.tags ?? [])
        let id = try await tx.query("""
            INSERT INTO devices (provider_id, pop_id, customer_id, name, kind, vendor, model, serial_number, oui,
                                 product_class, firmware, hardware_version, mac, management_ip, status, notes, tags)
            VALUES (\(tx.providerID), \(input.popId?.wrapped), \(input.customerId?.wrapped), \(name),
                    \(input.kind?.rawValue ?? "cpe"), \(input.vendor?.wrapped), \(input.model?.wrapped), \(input.serialNumber?.wrapped),
                    \(input.oui?.wrapped), \(input.productClass?.wrapped), \(input.firmware?.wrapped), \(input.hardwareVersion?.wrapped),
                    \(input.mac?.wrapped), \(input.managementIp?.wrapped)::inet, \(input.status?.rawValue ?? "pending"), \(input.notes?.wrapped),
                    \(tags))
            RETURNING id
            """).first { try $0.get("id", as: UUID.self) }!
        let device = try await get(id)
        try await tx.audit("device.create", by: actor, target: ("device", id.lowercased), before: Device?.none, after: device)
        try await tx.publish(topic: "devices", data: .object(["event": .string("created"), "id": .string(id.lowercased)]))
        return device
    }

    /// Changes the given fields.
    public func update(_ id: UUID, _ input: DeviceInput, by actor: Actor) async throws -> Device {
        let before = try await get(id)
        if let name = input.name, name.trimmed.isEmpty { throw OctoError.invalid("name", "name must not be empty") }
        try Self.validate(input)
        let tags = try input.tags.map { tags throws(OctoError) in try DeviceTags.validate(tags) }
        try await tx.query("""
            UPDATE devices SET tags = coalesce(\(tags), tags), name = coalesce(\(input.name?.trimmed), name), kind = coalesce(\(input.kind?.rawValue), kind),
                pop_id = CASE WHEN \(input.popId != nil) THEN \(input.popId?.wrapped) ELSE pop_id END,
                customer_id = CASE WHEN \(input.customerId != nil) THEN \(input.customerId?.wrapped) ELSE customer_id END,
                vendor = CASE WHEN \(input.vendor != nil) THEN \(input.vendor?.wrapped) ELSE vendor END, model = CASE WHEN \(input.model != nil) THEN \(input.model?.wrapped) ELSE model END,
                serial_number = CASE WHEN \(input.serialNumber != nil) THEN \(input.serialNumber?.wrapped) ELSE serial_number END, oui = CASE WHEN \(input.oui != nil) THEN \(input.oui?.wrapped) ELSE oui END,
                product_class = CASE WHEN \(input.productClass != nil) THEN \(input.productClass?.wrapped) ELSE product_class END, firmware = CASE WHEN \(input.firmware != nil) THEN \(input.firmware?.wrapped) ELSE firmware END,
                hardware_version = CASE WHEN \(input.hardwareVersion != nil) THEN \(input.hardwareVersion?.wrapped) ELSE hardware_version END, mac = CASE WHEN \(input.mac != nil) THEN \(input.mac?.wrapped) ELSE mac END,
                management_ip = CASE WHEN \(input.managementIp != nil) THEN \(input.managementIp?.wrapped)::inet ELSE management_ip END,
                status = coalesce(\(input.status?.rawValue), status), notes = CASE WHEN \(input.notes != nil) THEN \(input.notes?.wrapped) ELSE notes END
            WHERE id = \(id)
            """)
        let after = try await get(id)
        try await tx.audit("device.update", by: actor, target: ("device", id.lowercased), before: before, after: after)
        try await tx.publish(topic: "devices", data: .object(["event": .string("updated"), "id": .string(id.lowercased)]))
        return after
    }

    /// Deletes the device.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM devices WHERE id = \(id)")
        try await tx.audit("device.delete", by: actor, target: ("device", id.lowercased), before: before, after: Device?.none)
        try await tx.publish(topic: "devices", data: .object(["event": .string("deleted"), "id": .string(id.lowercased)]))
    }

    static func validate(_ input: DeviceInput) throws(OctoError) {
        if let ip = input.managementIp?.wrapped, !IPAddressText.isValid(ip) {
            throw .invalid("management_ip", "not an IPv4 or IPv6 address")
        }
        if let oui = input.oui?.wrapped, !(oui.count == 6 && oui.allSatisfy(\.isHexDigit)) {
            throw .invalid("oui", "an OUI is six hexadecimal digits")
        }
    }
}

/// Validation of IP address text without touching the network.
enum IPAddressText {
    static func isValid(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
