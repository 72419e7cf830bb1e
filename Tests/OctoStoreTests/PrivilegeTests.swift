import Foundation
import Logging
import OctoAuth
import OctoCore
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// What the database itself refuses, read from the catalog like the RLS test: definer functions,
/// the app role's rights on providers, the sign-in counters, the API key's role reference.
@Suite struct PrivilegeTests {
    static let logger = Logger(label: "test")

    @Test func everySecurityDefinerFunctionPinsItsSearchPathAndIsNotExecutableByPublic() async throws {
        try await TestDatabase.with { stack in
            try await stack.connect(stack.ownerURL) { connection in
                let rows = try await connection.query("""
                    SELECT p.proname::text, coalesce(array_to_string(p.proconfig, ';'), ''),
                        EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                                WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_execute,
                        coalesce((SELECT array_agg(DISTINCT r.rolname::text ORDER BY r.rolname::text)
                                  FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                                  JOIN pg_roles r ON r.oid = a.grantee
                                  WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner), '{}') AS grantees
                    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = 'public' AND p.prosecdef ORDER BY 1
                    """, logger: Self.logger)
                var names: [String] = []
                for try await (name, config, publicExecute, grantees) in rows.decode((String, String, Bool, [String]).self) {
                    names.append(name)
                    #expect(config.split(separator: ";").contains("search_path=public, pg_temp"), "\(name): \(config)")
                    #expect(!publicExecute, "\(name) is executable by PUBLIC")
                    #expect(Set(grantees).isSubset(of: ["octoisp_app", "octoisp_global"]), "\(name) granted to \(grantees)")
                }
                #expect(names.contains("auth_find_user") && names.contains("provider_id_for_slug") && names.contains("metrics_create_partition"))
            }
        }
    }

    @Test func theAppRoleCannotChangeOrDeleteProvidersFromATenantTransaction() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            for statement in ["UPDATE providers SET name = 'Hijacked' WHERE id = $1", "UPDATE providers SET status = 'suspended' WHERE id = $1",
                              "DELETE FROM providers WHERE id = $1"] {
                let error = await #expect(throws: OctoError.self) {
                    try await stack.database.withTenant(provider.id) { tx in
                        var bindings = PostgresBindings()
                        bindings.append(provider.id)
                        try await tx.query(PostgresQuery(unsafeSQL: statement, binds: bindings))
                    }
                }
                #expect(error?.code == .forbidden, "\(statement)")
            }
            // It still reads its own row; the Global Admin's path still changes it.
            #expect(try await stack.database.withTenant(provider.id) { tx in try await tx.providers.get(provider.id) }.name == "Alfa")
            let renamed = try await stack.database.withGlobal { tx in
                try await tx.providers.update(provider.id, ProviderPatch(name: "Alfa Net", document: nil, large: nil, status: nil), by: .system)
            }
            #expect(renamed.name == "Alfa Net")
        }
    }

    @Test func signInCountersHoldNoEmailInClear() async throws {
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("alfa")
            try await stack.makeUser("noc@alfa.test", role: .noc, provider: provider.id)
            _ = try? await stack.auth.login(email: "noc@alfa.test", password: "wrong password", totpCode: nil, client: ClientInfo(ip: "127.0.0.9"))
            try await stack.connect(stack.ownerURL) { connection in
                var keys: [String] = []
                for try await key in try await connection.query("SELECT key FROM login_throttle", logger: Self.logger).decode(String.self) {
                    keys.append(key)
                }
                #expect(keys.count == 3)
                #expect(keys.allSatisfy { !$0.contains("noc") && !$0.contains("alfa") && !$0.contains("127.0.0.9") })
            }
            // The table refuses a key in clear, whoever writes it.
            await #expect(throws: (any Error).self) {
                try await stack.database.withTenant(nil) { tx in
                    try await tx.query("INSERT INTO login_throttle (key, failures, window_start) VALUES ('account:noc@alfa.test', 1, now())")
                }
            }
        }
    }

    @Test func anApiKeysRoleIsACompositeForeignKey() async throws {
        try await TestDatabase.with { stack in
            let a = try await stack.makeProvider("alfa")
            let b = try await stack.makeProvider("beta")
            let roleOfB = try await stack.database.withTenant(b.id) { tx in
                try await tx.roles.create(RoleInput(key: "beta_ops", name: "Beta ops", permissions: [Permission(.devices, .read)]), by: .system)
            }
            try await stack.connect(stack.ownerURL) { connection in
                let rows = try await connection.query("""
                    SELECT array_agg(a.attname::text ORDER BY k.n) FROM pg_constraint c
                    CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                    WHERE c.conrelid = 'api_keys'::regclass AND c.confrelid = 'roles'::regclass AND c.contype = 'f'
                    GROUP BY c.oid
                    """, logger: Self.logger)
                var keys: [[String]] = []
                for try await columns in rows.decode([String].self) { keys.append(columns) }
                #expect(keys == [["role_owner_id", "role_id"]])
            }
            // Even the global path (no RLS) cannot give provider A's key provider B's role, either way round.
            for owner in [a.id, b.id] {
                await #expect(throws: (any Error).self) {
                    try await stack.database.withGlobal(acting: a.id) { tx in
                        try await tx.query("""
                            INSERT INTO api_keys (provider_id, name, prefix, secret_hash, role_id, role_owner_id)
                            VALUES (\(a.id), 'sneaky', \(UUID().uuidString), '\\x00'::bytea, \(roleOfB.id), \(owner))
                            """)
                    }
                }
            }
            // Through the service: a predefined role works; B's role is not even visible to A.
            let key = try await stack.database.withTenant(a.id) { tx in
                try await stack.auth.createApiKey(ApiKeyInput(name: "ERP", roleKey: "viewer"), in: tx, by: .system)
            }
            #expect(try await stack.auth.principal(apiKey: key.secret).providerID == a.id)
            await #expect(throws: OctoError.self) {
                try await stack.database.withTenant(a.id) { tx in
                    try await stack.auth.createApiKey(ApiKeyInput(name: "ERP", roleKey: "beta_ops"), in: tx, by: .system)
                }
            }
        }
    }
}
