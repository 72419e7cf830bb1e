import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// The tenant's device groups.
    public var deviceGroups: DeviceGroupRepository { DeviceGroupRepository(tx: self) }
}

/// Device groups of the transaction's provider: static (members by hand) or dynamic (a filter).
public struct DeviceGroupRepository: Sendable {
    let tx: Transaction

    /// A static group's member count comes from its table; a dynamic group's is counted through its rule.
    static let select = """
        SELECT g.id, g.provider_id, g.name, g.description, g.kind, g.filter::text AS filter, g.created_at, g.updated_at,
               (SELECT count(*)::int FROM device_group_members m WHERE m.group_id = g.id) AS members
        FROM device_groups g
        """

    static func decode(_ row: PostgresRandomAccessRow) throws -> DeviceGroup {
        let filter = try row.get("filter", as: String?.self).flatMap { try? OctoJSON.decoder.decode(DeviceGroupFilter.self, from: Data($0.utf8)) }
        return DeviceGroup(id: try row.get("id"), providerId: try row.get("provider_id"), name: try row.get("name"),
                           description: try row.get("description"), kind: DeviceGroup.Kind(rawValue: try row.get("kind")) ?? .static,
                           filter: filter, deviceCount: try row.get("members"), createdAt: try row.get("created_at"),
                           updatedAt: try row.get("updated_at"))
    }

    /// The group with its current member count (dynamic groups counted through their rule).
    func counted(_ group: DeviceGroup) async throws -> DeviceGroup {
        guard group.kind == .dynamic else { return group }
        var group = group
        let condition = DeviceRepository.whereClause(DeviceFilter(), group: group)
        group.deviceCount = try await tx.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS count FROM devices WHERE \(condition.sql)",
                                                             binds: condition.binds)).first { try $0.get("count", as: Int.self) } ?? 0
        return group
    }

    /// A page of groups by name, optionally filtered by a name fragment.
    public func list(search: String?, page: PageRequest) async throws -> Page<DeviceGroup> {
        let pattern = search.map { "%\(LikePattern.escape($0.lowercased()))%" }
        var items: [DeviceGroup] = []
        for group in try await tx.query("""
            \(unescaped: Self.select) WHERE (\(pattern)::text IS NULL OR lower(g.name) LIKE \(pattern))
            ORDER BY g.name, g.id LIMIT \(page.limit) OFFSET \(page.offset)
            """).map(Self.decode) {
            items.append(try await counted(group))
        }
        let total = try await tx.query("SELECT count(*)::int FROM device_groups WHERE (\(pattern)::text IS NULL OR lower(name) LIKE \(pattern))")
            .first { try $0.get("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// The group, or `nil` (also for another tenant's id).
    public func find(_ id: UUID) async throws -> DeviceGroup? {
        try await tx.query("\(unescaped: Self.select) WHERE g.id = \(id)").first(Self.decode)
    }

    /// The ids of a group's devices now, ordered: a static group's members, or the devices a dynamic
    /// group's rule selects (the same conditions as the device list of that group); `nil` when the
    /// group does not exist for this tenant.
    public func memberIds(_ id: UUID) async throws -> [UUID]? {
        guard let group = try await find(id) else { return nil }
        let condition = DeviceRepository.whereClause(DeviceFilter(), group: group)
        return try await tx.query(PostgresQuery(unsafeSQL: "SELECT id FROM devices WHERE \(condition.sql) ORDER BY id", binds: condition.binds))
            .map { try $0.get("id", as: UUID.self) }
    }

    /// The group with its member count, or ``OctoError/Code/notFound``.
    public func get(_ id: UUID) async throws -> DeviceGroup {
        guard let group = try await find(id) else { throw OctoError.notFound("device group") }
        return try await counted(group)
    }

    static func filterText(_ filter: DeviceGroupFilter) throws -> String {
        var filter = filter
        if let tag = filter.tag { filter.tag = try DeviceTags.validate([tag]).first }
        return try OctoJSON.string(filter)
    }

    /// Creates a group; a static one may start with members, a dynamic one needs a non-empty filter.
    public func create(_ input: DeviceGroupInput, by actor: Actor) async throws -> DeviceGroup {
        guard let name = input.name?.trimmed, !name.isEmpty else { throw OctoError.invalid("name", "name is required") }
        let kind = input.kind ?? .static
        var filterText: String?
        switch kind {
        case .dynamic:
            guard let filter = input.filter, !filter.isEmpty else {
                throw OctoError.invalid("filter", "a dynamic group needs a filter (vendor, model, pop_id, status, kind or tag)")
            }
            guard input.deviceIds == nil else { throw OctoError.invalid("device_ids", "a dynamic group has no hand-picked members") }
            filterText = try Self.filterText(filter)
        case .static:
            guard input.filter == nil else { throw OctoError.invalid("filter", "only dynamic groups have a filter") }
        }
        let id = try await tx.query("""
            INSERT INTO device_groups (provider_id, name, description, kind, filter)
            VALUES (\(tx.providerID), \(name), \(input.description?.wrapped), \(kind.rawValue), \(filterText)::jsonb)
            RETURNING id
            """).first { try $0.get("id", as: UUID.self) }!
        if let devices = input.deviceIds, !devices.isEmpty { try await insertMembers(id, devices) }
        let group = try await get(id)
        try await tx.audit("device_group.create", by: actor, target: ("device_group", id.lowercased), before: DeviceGroup?.none, after: group)
        return group
    }

    /// Changes name, description or (dynamic groups) the filter.
    public func update(_ id: UUID, _ input: DeviceGroupInput, by actor: Actor) async throws -> DeviceGroup {
        let before = try await get(id)
        if let name = input.name, name.trimmed.isEmpty { throw OctoError.invalid("name", "name must not be empty") }
        if let kind = input.kind, kind != before.kind { throw OctoError.invalid("kind", "the kind of a group cannot change") }
        guard input.deviceIds == nil else { throw OctoError.invalid("device_ids", "change members with POST /device-groups/{id}/members") }
        var filterText: String?
        if let filter = input.filter {
            guard before.kind == .dynamic else { throw OctoError.invalid("filter", "only dynamic groups have a filter") }
            guard !filter.isEmpty else { throw OctoError.invalid("filter", "the filter needs at least one field") }
            filterText = try Self.filterText(filter)
        }
        try await tx.query("""
            UPDATE device_groups SET name = coalesce(\(input.name?.trimmed), name),
                description = CASE WHEN \(input.description != nil) THEN \(input.description?.wrapped) ELSE description END,
                filter = coalesce(\(filterText)::jsonb, filter), updated_at = now()
            WHERE id = \(id)
            """)
        let after = try await get(id)
        try await tx.audit("device_group.update", by: actor, target: ("device_group", id.lowercased), before: before, after: after)
        return after
    }

    /// Deletes the group (its static memberships go with it; the devices stay).
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM device_groups WHERE id = \(id)")
        try await tx.audit("device_group.delete", by: actor, target: ("device_group", id.lowercased), before: before, after: DeviceGroup?.none)
    }

    /// Adds and removes members of a static group; every device must exist (404 otherwise).
    public func changeMembers(_ id: UUID, _ input: DeviceGroupMembersInput, by actor: Actor) async throws -> DeviceGroup {
        let before = try await get(id)
        guard before.kind == .static else { throw OctoError(.conflict, "a dynamic group's members follow its filter") }
        let add = Array(Set(input.add ?? []))
        let remove = Array(Set(input.remove ?? []))
        guard add.count + remove.count <= 10_000 else { throw OctoError.invalid("add", "at most 10,000 devices per request") }
        if !add.isEmpty { try await insertMembers(id, add) }
        if !remove.isEmpty {
            try await tx.query("DELETE FROM device_group_members WHERE group_id = \(id) AND device_id = ANY(\(remove))")
        }
        try await tx.query("UPDATE device_groups SET updated_at = now() WHERE id = \(id)")
        let after = try await get(id)
        try await tx.audit("device_group.members", by: actor, target: ("device_group", id.lowercased), before: before,
                           after: JSONValue.object(["added": .array(add.map { .string($0.lowercased) }),
                                                    "removed": .array(remove.map { .string($0.lowercased) }),
                                                    "device_count": .number(Double(after.deviceCount))]))
        return after
    }

    /// Inserts members, 404 when a device does not exist for this tenant.
    func insertMembers(_ id: UUID, _ devices: [UUID]) async throws {
        let known = try await tx.query("SELECT id FROM devices WHERE id = ANY(\(devices))").map { try $0.get("id", as: UUID.self) }
        if let missing = devices.first(where: { !known.contains($0) }) {
            throw OctoError(.notFound, "device \(missing.lowercased) not found", field: "device_ids")
        }
        try await tx.query("""
            INSERT INTO device_group_members (provider_id, group_id, device_id)
            SELECT \(tx.providerID), \(id), unnest(\(devices)::uuid[]) ON CONFLICT DO NOTHING
            """)
    }
}
