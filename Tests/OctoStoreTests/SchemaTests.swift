import Foundation
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The database's shape: migrations, roles, row-level security on every provider-scoped table.
@Suite struct SchemaTests {
    @Test func everyProviderScopedTableHasForcedRLSWithUsingAndWithCheck() async throws {
        try await TestDatabase.with { stack in
            try await stack.connect(stack.ownerURL) { connection in
                let rows = try await connection.query("""
                    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                        (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid AND p.polqual IS NOT NULL) AS using_policies,
                        (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid AND (p.polwithcheck IS NOT NULL OR p.polcmd IN ('r', 'd'))) AS check_policies,
                        (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid AND p.polwithcheck IS NOT NULL) AS with_check
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'provider_id' AND NOT a.attisdropped)
                    ORDER BY 1
                    """, logger: .init(label: "test"))
                var tables: [String] = []
                for try await (name, enabled, forced, using, _, withCheck) in rows.decode((String, Bool, Bool, Int, Int, Int).self) {
                    tables.append(name)
                    #expect(enabled, "RLS not enabled on \(name)")
                    #expect(forced, "RLS not forced on \(name)")
                    #expect(using > 0, "no USING policy on \(name)")
                    #expect(withCheck > 0, "no WITH CHECK policy on \(name)")
                }
                #expect(tables.contains("devices") && tables.contains("audit_log") && tables.contains("users"))
                // The providers table is keyed by id instead of provider_id; it is tenant-scoped too.
                let providers = try await connection.query(
                    "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'providers'", logger: .init(label: "test"))
                for try await (enabled, forced) in providers.decode((Bool, Bool).self) {
                    #expect(enabled && forced)
                }
            }
        }
    }

    /// The device search text (migration 0158): concat_ws's text (NULL parts skipped, one space between
    /// the others, empty ones kept) from immutable operators only, so PostgreSQL inlines the function
    /// into the generated column instead of running it as a query of its own on every devices UPDATE.
    @Test func theDeviceSearchTextIsConcatWsAndInlined() async throws {
        try await TestDatabase.with { stack in
            try await stack.connect(stack.ownerURL) { connection in
                let rows = try await connection.query("""
                    SELECT count(*)::int FROM (VALUES
                        ('CPE 1', 'SN1', 'aa:bb', '10.0.0.1'::inet, 'ZTE', 'F670L'),
                        (NULL, NULL, NULL, NULL, NULL, NULL),
                        ('Só Nome', NULL, '', NULL, 'Huawei', NULL),
                        (NULL, 'X', NULL, '2001:db8::1'::inet, NULL, 'M')) AS t(n, s, m, ip, v, mo)
                    WHERE device_search_text(n, s, m, ip, v, mo) IS DISTINCT FROM lower(concat_ws(' ', n, s, m, host(ip), v, mo))
                    """, logger: .init(label: "test"))
                for try await differing in rows.decode(Int.self) { #expect(differing == 0) }
                // Inlined: the plan shows the expression, not a call of the function.
                let plan = try await connection.query("""
                    EXPLAIN (VERBOSE, COSTS OFF) SELECT device_search_text(name, serial_number, mac, management_ip, vendor, model) FROM devices
                    """, logger: .init(label: "test"))
                var text = ""
                for try await line in plan.decode(String.self) { text += line + "\n" }
                #expect(!text.contains("device_search_text"), "\(text)")
                #expect(text.contains("lower("), "\(text)")
            }
        }
    }

    @Test func everyViewIsSecurityInvoker() async throws {
        try await TestDatabase.with { stack in
            try await stack.connect(stack.ownerURL) { connection in
                let rows = try await connection.query("""
                    SELECT c.relname, coalesce(array_to_string(c.reloptions, ','), '') FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'v'
                    """, logger: .init(label: "test"))
                for try await (name, options) in rows.decode((String, String).self) {
                    #expect(options.contains("security_invoker=true") || options.contains("security_invoker=on"), "view \(name) is not security_invoker")
                }
            }
        }
    }

    @Test func appRoleIsNeitherSuperuserNorOwnerNorBypassingRLS() async throws {
        try await TestDatabase.with { stack in
            try await stack.connect(stack.appURL) { connection in
                let rows = try await connection.query("""
                    SELECT r.rolsuper, r.rolbypassrls,
                        (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname = 'public' AND c.relowner = r.oid) AS owned
                    FROM pg_roles r WHERE r.rolname = current_user
                    """, logger: .init(label: "test"))
                var seen = false
                for try await (superuser, bypass, owned) in rows.decode((Bool, Bool, Int).self) {
                    seen = true
                    #expect(!superuser)
                    #expect(!bypass)
                    #expect(owned == 0)
                }
                #expect(seen)
            }
        }
    }

    @Test func noTenantSetMeansZeroRows() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            try await stack.database.withTenant(provider.id) { tx in
                let pop = try await tx.pops.create(PopInput(name: "Centro"), by: .system)
                _ = try await tx.devices.create(DeviceInput(name: "OLT 1", kind: .olt, popId: .value(pop.id)), by: .system)
            }
            let counts = try await stack.database.withTenant(nil) { tx in
                var counts: [String: Int] = [:]
                for table in ["providers", "pops", "devices", "users", "audit_log", "customers", "api_keys"] {
                    counts[table] = try await tx.query("SELECT count(*)::int FROM \(unescaped: table)").values(Int.self).first ?? -1
                }
                return counts
            }
            #expect(counts.values.allSatisfy { $0 == 0 }, "rows visible without a tenant: \(counts)")
            let own = try await stack.database.withTenant(provider.id) { tx in try await tx.devices.list(DeviceFilter(), page: PageRequest()).total }
            #expect(own == 1)
        }
    }

    @Test func compositeForeignKeysStopPointersIntoAnotherProvider() async throws {
        try await TestDatabase.with { stack in
            let a = try await stack.makeProvider("alfa")
            let b = try await stack.makeProvider("beta")
            let popOfB = try await stack.database.withTenant(b.id) { tx in try await tx.pops.create(PopInput(name: "B POP"), by: .system) }
            await #expect(throws: OctoError.self) {
                try await stack.database.withTenant(a.id) { tx in
                    try await tx.devices.create(DeviceInput(name: "sneaky", popId: .value(popOfB.id)), by: .system)
                }
            }
            // Even the global path (no RLS) cannot build a cross-provider link: the foreign key refuses it.
            await #expect(throws: (any Error).self) {
                try await stack.database.withGlobal(acting: a.id) { tx in
                    try await tx.query("INSERT INTO devices (provider_id, pop_id, name) VALUES (\(a.id), \(popOfB.id), 'x')")
                }
            }
            let devices = try await stack.database.withTenant(a.id) { tx in try await tx.devices.list(DeviceFilter(), page: PageRequest()).total }
            #expect(devices == 0)
        }
    }

    @Test func writingAnotherProvidersIdIsRefusedByWithCheck() async throws {
        try await TestDatabase.with { stack in
            let a = try await stack.makeProvider("alfa")
            let b = try await stack.makeProvider("beta")
            await #expect(throws: (any Error).self) {
                try await stack.database.withTenant(a.id) { tx in
                    try await tx.query("INSERT INTO pops (provider_id, name) VALUES (\(b.id), 'planted')")
                }
            }
            let count = try await stack.database.withTenant(b.id) { tx in try await tx.pops.list(search: nil, page: PageRequest()).total }
            #expect(count == 0)
        }
    }

    @Test func migrationsAreIdempotentAndRefuseEditedFiles() async throws {
        try await TestDatabase.with { stack in
            let migrator = Migrator(ownerURL: stack.ownerURL, logger: .init(label: "test"))
            #expect(try await migrator.migrate().isEmpty)
            try await stack.connect(stack.ownerURL) { connection in
                try await connection.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1", logger: .init(label: "test"))
            }
            await #expect(throws: Migrator.Failure.self) { try await migrator.migrate() }
        }
    }

    @Test func permissionCatalogAndPredefinedRolesAreSynchronised() async throws {
        try await TestDatabase.with { stack in
            let (keys, roles) = try await stack.database.withTenant(nil) { tx in
                let keys = try await tx.query("SELECT key FROM permissions ORDER BY key").values(String.self)
                let roles = try await tx.roles.list()
                return (keys, roles)
            }
            #expect(keys == Permission.catalog.map(\.key).sorted())
            for role in PredefinedRole.allCases {
                let stored = try #require(roles.first { $0.key == role.key })
                #expect(Set(stored.permissions) == role.permissions)
                #expect(stored.predefined)
            }
        }
    }
}
