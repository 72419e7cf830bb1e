import Foundation
import OctoCore
import PostgresNIO

extension Transaction {
    /// The tenant's customers.
    public var customers: CustomerRepository { CustomerRepository(tx: self) }
}

/// Customers of the transaction's provider.
public struct CustomerRepository: Sendable {
    let tx: Transaction

    static func decode(_ row: PostgresRandomAccessRow) throws -> Customer {
        Customer(id: try row.get("id"), providerId: try row.get("provider_id"), popId: try row.get("pop_id"),
                 name: try row.get("name"), document: try row.get("document"), email: try row.get("email"),
                 phone: try row.get("phone"), plan: try row.get("plan"), externalRef: try row.get("external_ref"),
                 status: Customer.Status(rawValue: try row.get("status")) ?? .active,
                 createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"), slaTargetPercent: try row.get("sla_target"))
    }

    /// A page of customers, filtered by POP and a text fragment of name, document or external ref.
    public func list(search: String?, popId: UUID?, page: PageRequest) async throws -> Page<Customer> {
        let pattern = search.map { "%\(LikePattern.escape($0.lowercased()))%" }
        let filter: PostgresQuery = """
            (\(pattern)::text IS NULL OR lower(name) LIKE \(pattern) OR lower(coalesce(document, '')) LIKE \(pattern)
                OR lower(coalesce(external_ref, '')) LIKE \(pattern))
            AND (\(popId)::uuid IS NULL OR pop_id = \(popId))
            """
        let items = try await tx.query(PostgresQuery(unsafeSQL: "SELECT *, sla_target_percent::float8 AS sla_target FROM customers WHERE \(filter.sql) ORDER BY name, id LIMIT \(page.limit) OFFSET \(page.offset)", binds: filter.binds)).map(Self.decode)
        let total = try await tx.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int AS count FROM customers WHERE \(filter.sql)", binds: filter.binds))
            .first { try $0.get("count", as: Int.self) } ?? 0
        return Page(items: items, total: total, limit: page.limit, offset: page.offset)
    }

    /// The customer, or ``OctoError/Code/notFound``.
    public func get(_ id: UUID) async throws -> Customer {
        guard let customer = try await tx.query("SELECT *, sla_target_percent::float8 AS sla_target FROM customers WHERE id = \(id)").first(Self.decode) else {
            throw OctoError.notFound("customer")
        }
        return customer
    }

    /// Creates a customer.
    public func create(_ input: CustomerInput, by actor: Actor) async throws -> Customer {
        guard let name = input.name?.trimmed, !name.isEmpty else { throw OctoError.invalid("name", "name is required") }
        try input.validateTarget()
        let customer = try await tx.query("""
            INSERT INTO customers (provider_id, pop_id, name, document, email, phone, plan, external_ref, status, sla_target_percent)
            VALUES (\(tx.providerID), \(input.popId?.wrapped), \(name), \(input.document?.wrapped), \(input.email?.wrapped), \(input.phone?.wrapped),
                    \(input.plan?.wrapped), \(input.externalRef?.wrapped), \(input.status?.rawValue ?? "active"), \(input.slaTargetPercent?.wrapped))
            RETURNING *, sla_target_percent::float8 AS sla_target
            """).first(Self.decode)!
        try await tx.audit("customer.create", by: actor, target: ("customer", customer.id.lowercased), before: Customer?.none, after: customer)
        return customer
    }

    /// Changes the given fields.
    public func update(_ id: UUID, _ input: CustomerInput, by actor: Actor) async throws -> Customer {
        let before = try await get(id)
        if let name = input.name, name.trimmed.isEmpty { throw OctoError.invalid("name", "name must not be empty") }
        try input.validateTarget()
        let after = try await tx.query("""
            UPDATE customers SET name = coalesce(\(input.name?.trimmed), name),
                pop_id = CASE WHEN \(input.popId != nil) THEN \(input.popId?.wrapped) ELSE pop_id END,
                document = CASE WHEN \(input.document != nil) THEN \(input.document?.wrapped) ELSE document END, email = CASE WHEN \(input.email != nil) THEN \(input.email?.wrapped) ELSE email END,
                phone = CASE WHEN \(input.phone != nil) THEN \(input.phone?.wrapped) ELSE phone END, plan = CASE WHEN \(input.plan != nil) THEN \(input.plan?.wrapped) ELSE plan END,
                external_ref = CASE WHEN \(input.externalRef != nil) THEN \(input.externalRef?.wrapped) ELSE external_ref END, status = coalesce(\(input.status?.rawValue), status),
                sla_target_percent = CASE WHEN \(input.slaTargetPercent != nil) THEN \(input.slaTargetPercent?.wrapped) ELSE sla_target_percent END
            WHERE id = \(id) RETURNING *, sla_target_percent::float8 AS sla_target
            """).first(Self.decode)!
        try await tx.audit("customer.update", by: actor, target: ("customer", id.lowercased), before: before, after: after)
        return after
    }

    /// Deletes the customer; refused while devices still point at it.
    public func delete(_ id: UUID, by actor: Actor) async throws {
        let before = try await get(id)
        try await tx.query("DELETE FROM customers WHERE id = \(id)")
        try await tx.audit("customer.delete", by: actor, target: ("customer", id.lowercased), before: before, after: Customer?.none)
    }
}
