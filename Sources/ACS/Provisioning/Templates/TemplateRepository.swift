import Foundation
import OctoCore
import OctoStore
import PostgresNIO

extension Transaction {
    /// The provider's provisioning templates.
    public var provisioningTemplates: TemplateRepository { TemplateRepository(tx: self) }
}

/// Templates and their immutable versions, under RLS. Every change is audited in its transaction.
/// Rollback makes a new version copying an old one, so versions only ever grow and the current
/// pointer moves forward.
public struct TemplateRepository: Sendable {
    let tx: Transaction

    static let columns = """
        id, name, match_manufacturer, match_oui, match_product_class, match_firmware, pop_id, priority, current_version,
        archived_at, created_at, updated_at
        """
    static let versionColumns = """
        template_id, version, settings::text AS settings, path_overrides::text AS path_overrides, policies::text AS policies,
        note, source_version, created_by, created_at
        """

    /// Validates and stores a template with its version 1; 400 naming the field and nothing stored otherwise.
    /// Keys and passwords in the settings are stored sealed with `secrets` (refused without it).
    public func create(_ input: TemplateInput, validator: TemplateValidator, secrets: SecretBox?, by actor: Actor) async throws -> (ProvisioningTemplate, TemplateVersion) {
        guard let name = input.name?.trimmingCharacters(in: .whitespaces), (1...200).contains(name.count) else {
            throw OctoError.invalid("name", "name is required (1–200 characters)")
        }
        guard let settings = input.settings else { throw OctoError.invalid("settings", "settings is required") }
        let policies = input.policies ?? TemplatePolicies()
        let checked: (settings: ProvisioningSettings, pathOverrides: [String: String])
        do throws(ProvisioningError) {
            checked = try validator.validate(settings: settings, pathOverrides: input.pathOverrides ?? [:], policies: policies)
        } catch { throw error.octoError }
        if let pop = input.popId, try await tx.query("SELECT 1 FROM pops WHERE id = \(pop)").acsFirst({ _ in true }) != true {
            throw OctoError.invalid("pop_id", "pop_id names no POP of this provider")
        }
        guard try await tx.query("SELECT 1 FROM provisioning_templates WHERE name = \(name)").acsFirst({ _ in true }) != true else {
            throw OctoError(.conflict, "a template named \(name) exists", field: "name")
        }
        let id = UUID()
        let now = tx.clock.now
        let match = input.match ?? ProvisioningTemplate.Match()
        let template = try await tx.query("""
            INSERT INTO provisioning_templates (id, provider_id, name, match_manufacturer, match_oui, match_product_class, match_firmware,
                                                pop_id, priority, current_version, created_at, updated_at)
            VALUES (\(id), \(tx.providerID), \(name), \(match.manufacturer), \(match.oui), \(match.productClass), \(match.firmware),
                    \(input.popId), \(input.priority ?? 0), 1, \(now), \(now))
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode)!
        let version = try await insertVersion(template: id, number: 1, settings: checked.settings.json, pathOverrides: checked.pathOverrides,
                                              policies: policies, note: input.note, source: nil, secrets: secrets, by: actor)
        try await tx.audit("provisioning_template.create", by: actor, target: ("provisioning_template", id.lowercased), before: TemplateSnapshot?.none,
                           after: TemplateSnapshot(template: template, version: version))
        return (template, version)
    }

    /// Adds a version (and makes it current); match, POP and priority change too when given. A secret
    /// given masked (`********`, as the API shows it) keeps the current version's value.
    public func addVersion(_ id: UUID, _ input: TemplateInput, validator: TemplateValidator, secrets: SecretBox?,
                           by actor: Actor) async throws -> (ProvisioningTemplate, TemplateVersion) {
        let before = try await get(id)
        let current = try await version(id, number: before.currentVersion)
        let currentSettings = try await withSecrets(current, secrets: secrets).settings
        let policies = input.policies ?? current.policies
        let checked: (settings: ProvisioningSettings, pathOverrides: [String: String])
        do throws(ProvisioningError) {
            checked = try validator.validate(settings: input.settings.map { TemplateSnapshot.unmask($0, from: currentSettings) } ?? currentSettings,
                                             pathOverrides: input.pathOverrides ?? current.pathOverrides, policies: policies)
        } catch { throw error.octoError }
        let number = try await nextVersion(id)
        let version = try await insertVersion(template: id, number: number, settings: checked.settings.json, pathOverrides: checked.pathOverrides,
                                              policies: policies, note: input.note, source: nil, secrets: secrets, by: actor)
        let match = input.match ?? before.match
        let template = try await tx.query("""
            UPDATE provisioning_templates SET current_version = \(number), match_manufacturer = \(match.manufacturer), match_oui = \(match.oui),
                   match_product_class = \(match.productClass), match_firmware = \(match.firmware), priority = \(input.priority ?? before.priority),
                   updated_at = \(tx.clock.now)
            WHERE id = \(id) RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode)!
        try await tx.audit("provisioning_template.version", by: actor, target: ("provisioning_template", id.lowercased),
                           before: TemplateSnapshot(template: before, version: current), after: TemplateSnapshot(template: template, version: version))
        return (template, version)
    }

    /// Makes a new version copying version `number` (its settings, overrides and policies) and makes it current.
    public func rollback(_ id: UUID, to number: Int, secrets: SecretBox?, by actor: Actor) async throws -> (ProvisioningTemplate, TemplateVersion) {
        let before = try await get(id)
        let current = try await version(id, number: before.currentVersion)
        let source = try await withSecrets(try await version(id, number: number), secrets: secrets)
        let next = try await nextVersion(id)
        let version = try await insertVersion(template: id, number: next, settings: source.settings, pathOverrides: source.pathOverrides,
                                              policies: source.policies, note: "rollback to version \(number)", source: number, secrets: secrets,
                                              by: actor)
        let template = try await tx.query("""
            UPDATE provisioning_templates SET current_version = \(next), updated_at = \(tx.clock.now) WHERE id = \(id)
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode)!
        try await tx.audit("provisioning_template.rollback", by: actor, target: ("provisioning_template", id.lowercased),
                           before: TemplateSnapshot(template: before, version: current), after: TemplateSnapshot(template: template, version: version))
        return (template, version)
    }

    /// Archives a template: it no longer matches devices; its versions stay.
    public func archive(_ id: UUID, by actor: Actor) async throws -> ProvisioningTemplate {
        let before = try await get(id)
        let template = try await tx.query("""
            UPDATE provisioning_templates SET archived_at = coalesce(archived_at, \(tx.clock.now)), updated_at = \(tx.clock.now) WHERE id = \(id)
            RETURNING \(unescaped: Self.columns)
            """).acsFirst(Self.decode)!
        try await tx.audit("provisioning_template.archive", by: actor, target: ("provisioning_template", id.lowercased), before: before, after: template)
        return template
    }

    /// One template; 404 otherwise.
    public func get(_ id: UUID) async throws -> ProvisioningTemplate {
        guard let template = try await tx.query("SELECT \(unescaped: Self.columns) FROM provisioning_templates WHERE id = \(id)").acsFirst(Self.decode) else {
            throw OctoError.notFound("template")
        }
        return template
    }

    /// The provider's templates, highest priority first.
    public func list(includeArchived: Bool = false) async throws -> [ProvisioningTemplate] {
        try await tx.query("""
            SELECT \(unescaped: Self.columns) FROM provisioning_templates WHERE (\(includeArchived) OR archived_at IS NULL)
            ORDER BY priority DESC, name, id
            """).acsRows(Self.decode)
    }

    /// One version; 404 otherwise.
    public func version(_ id: UUID, number: Int) async throws -> TemplateVersion {
        guard let version = try await tx.query("""
            SELECT \(unescaped: Self.versionColumns) FROM provisioning_template_versions WHERE template_id = \(id) AND version = \(number)
            """).acsFirst(Self.decodeVersion) else { throw OctoError.notFound("template version") }
        return version
    }

    /// Every version, newest first.
    public func versions(_ id: UUID) async throws -> [TemplateVersion] {
        _ = try await get(id)
        return try await tx.query("""
            SELECT \(unescaped: Self.versionColumns) FROM provisioning_template_versions WHERE template_id = \(id) ORDER BY version DESC
            """).acsRows(Self.decodeVersion)
    }

    /// The highest-priority live template matching `facts` (and the device's POP), with its current version.
    public func matching(_ facts: DeviceFacts, pop: UUID?) async throws -> (ProvisioningTemplate, TemplateVersion)? {
        for template in try await list() where template.match.matches(facts) && (template.popId == nil || template.popId == pop) {
            return (template, try await version(template.id, number: template.currentVersion))
        }
        return nil
    }

    /// The live templates, highest priority first, each with its current version and that version's
    /// sealed settings (if it has secrets): what ``ProvisioningService`` matches devices against, read
    /// in two statements.
    public func current() async throws -> [CurrentTemplate] {
        let templates = try await list()
        guard !templates.isEmpty else { return [] }
        var versions: [UUID: (TemplateVersion, String?)] = [:]
        for (version, sealed) in try await tx.query("""
            SELECT \(unescaped: Self.versionColumns), secrets_sealed FROM provisioning_template_versions
            WHERE (template_id, version) IN (SELECT id, current_version FROM provisioning_templates WHERE archived_at IS NULL)
            """).acsRows({ (try Self.decodeVersion($0), try $0.acsColumn("secrets_sealed", as: String?.self)) }) {
            versions[version.templateId] = (version, sealed)
        }
        return try templates.map { template in
            guard let (version, sealed) = versions[template.id] else { throw OctoError.notFound("template version") }
            return CurrentTemplate(template: template, version: version, sealed: sealed)
        }
    }

    /// `version` with its settings in full: `sealed` (its sealed copy, if any) opened with `secrets`.
    /// Throws a ``ProvisioningError`` naming `settings` when it cannot be opened.
    public func opened(_ version: TemplateVersion, sealed: String?, secrets: SecretBox?) throws -> TemplateVersion {
        guard let sealed else { return version }
        guard let secrets else {
            throw ProvisioningError(.invalidValue, field: "settings", "the template's keys and passwords are sealed; they need the secret key (OCTOISP_SECRET_KEY)")
        }
        var opened = version
        do {
            let text = try secrets.open(sealed, context: Self.secretContext(provider: tx.providerID, template: version.templateId, version: version.version))
            opened.settings = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw ProvisioningError(.invalidValue, field: "settings", "the template's sealed keys and passwords cannot be opened with the secret key")
        }
        return opened
    }

    func nextVersion(_ id: UUID) async throws -> Int {
        // The template row's lock serialises version numbers. NO KEY UPDATE, not UPDATE: an apply's
        // device state share-locks the row for its foreign key after taking the audit chain, which
        // this transaction takes next; a full UPDATE lock would deadlock with it.
        _ = try await tx.query("SELECT 1 FROM provisioning_templates WHERE id = \(id) FOR NO KEY UPDATE").acsFirst { _ in true }
        return try await tx.query("SELECT coalesce(max(version), 0) + 1 AS next FROM provisioning_template_versions WHERE template_id = \(id)")
            .acsFirst { try $0.acsColumn("next", as: Int.self) } ?? 1
    }

    /// The version with its settings in full: the sealed copy opened when the version has secrets.
    /// Throws a ``ProvisioningError`` naming `settings` when it cannot be opened (no or another secret key).
    public func withSecrets(_ version: TemplateVersion, secrets: SecretBox?) async throws -> TemplateVersion {
        let sealed = try await tx.query("""
            SELECT secrets_sealed FROM provisioning_template_versions WHERE template_id = \(version.templateId) AND version = \(version.version)
            """).acsFirst { try $0.acsColumn("secrets_sealed", as: String?.self) } ?? nil
        return try opened(version, sealed: sealed, secrets: secrets)
    }

    /// What sealed template settings are bound to.
    static func secretContext(provider: UUID?, template: UUID, version: Int) -> String {
        "provisioning-template:\(provider?.lowercased ?? "-"):\(template.lowercased):\(version)"
    }

    /// Inserts a version. Settings holding keys or passwords are stored masked, and in full only sealed
    /// (bound to provider, template and version); without `secrets` they are refused.
    func insertVersion(template: UUID, number: Int, settings: JSONValue, pathOverrides: [String: String], policies: TemplatePolicies,
                       note: String?, source: Int?, secrets: SecretBox?, by actor: Actor) async throws -> TemplateVersion {
        let masked = TemplateSnapshot.mask(settings)
        var sealed: String?
        if masked != settings {
            guard let secrets else {
                throw OctoError.invalid("settings", "keys and passwords in template settings need a secret key (OCTOISP_SECRET_KEY) to be stored sealed")
            }
            let full = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
            sealed = try secrets.seal(full, context: Self.secretContext(provider: tx.providerID, template: template, version: number))
        }
        let settingsText = String(decoding: try JSONEncoder().encode(masked), as: UTF8.self)
        let overridesText = String(decoding: try JSONEncoder().encode(pathOverrides), as: UTF8.self)
        return try await tx.query("""
            INSERT INTO provisioning_template_versions (provider_id, template_id, version, settings, path_overrides, policies, note, source_version,
                                                        created_by, created_at, secrets_sealed)
            VALUES (\(tx.providerID), \(template), \(number), \(settingsText)::jsonb, \(overridesText)::jsonb, \(try OctoJSON.string(policies))::jsonb,
                    \(note), \(source), \(actor.label), \(tx.clock.now), \(sealed))
            RETURNING \(unescaped: Self.versionColumns)
            """).acsFirst(Self.decodeVersion)!
    }

    static func decode(_ row: PostgresRandomAccessRow) throws -> ProvisioningTemplate {
        ProvisioningTemplate(
            id: try row.acsColumn("id"), name: try row.acsColumn("name"),
            match: .init(manufacturer: try row.acsColumn("match_manufacturer"), oui: try row.acsColumn("match_oui"),
                         productClass: try row.acsColumn("match_product_class"), firmware: try row.acsColumn("match_firmware")),
            popId: try row.acsColumn("pop_id"), priority: try row.acsColumn("priority"), currentVersion: try row.acsColumn("current_version"),
            archivedAt: try row.acsColumn("archived_at"), createdAt: try row.acsColumn("created_at"), updatedAt: try row.acsColumn("updated_at"))
    }

    static func decodeVersion(_ row: PostgresRandomAccessRow) throws -> TemplateVersion {
        func json<T: Decodable>(_ column: String, _ type: T.Type, snake: Bool = false) throws -> T {
            let text = try row.acsColumn(column, as: String.self)
            return try (snake ? OctoJSON.decoder : JSONDecoder()).decode(T.self, from: Data(text.utf8))
        }
        return TemplateVersion(
            templateId: try row.acsColumn("template_id"), version: try row.acsColumn("version"),
            settings: try json("settings", JSONValue.self), pathOverrides: try json("path_overrides", [String: String].self),
            policies: try json("policies", TemplatePolicies.self, snake: true), note: try row.acsColumn("note"),
            sourceVersion: try row.acsColumn("source_version"), createdBy: try row.acsColumn("created_by"), createdAt: try row.acsColumn("created_at"))
    }
}

/// A live template with its current version, as provisioning matches devices against it.
public struct CurrentTemplate: Sendable, Hashable {
    /// The template.
    public var template: ProvisioningTemplate
    /// Its current version (settings with secrets masked).
    public var version: TemplateVersion
    /// The version's settings in full, sealed; nil when it holds no key or password.
    public var sealed: String?
}

/// A template and one version, as audited (secrets in the settings masked).
struct TemplateSnapshot: Encodable {
    var template: ProvisioningTemplate
    var version: Int
    var settings: JSONValue

    init(template: ProvisioningTemplate, version: TemplateVersion) {
        self.template = template
        self.version = version.version
        self.settings = TemplateSnapshot.mask(version.settings)
    }

    /// Whether `key` names a secret field of the settings.
    static func isSecretKey(_ key: String) -> Bool {
        ["key", "password", "admin_password", "adminPassword"].contains(key)
    }

    /// `new` with every secret given masked (`********`) replaced by the value at the same place in `old`.
    static func unmask(_ new: JSONValue, from old: JSONValue) -> JSONValue {
        switch (new, old) {
        case (.object(let object), .object(let previous)):
            var out: [String: JSONValue] = [:]
            for (key, child) in object {
                if isSecretKey(key), child == .string("********"), let kept = previous[key] { out[key] = kept } else {
                    out[key] = previous[key].map { unmask(child, from: $0) } ?? child
                }
            }
            return .object(out)
        case (.array(let items), .array(let previous)):
            return .array(items.enumerated().map { index, item in index < previous.count ? unmask(item, from: previous[index]) : item })
        default:
            return new
        }
    }

    static func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var out: [String: JSONValue] = [:]
            for (key, child) in object {
                let secret = isSecretKey(key)
                if secret, case .string(let text) = child, !TemplateVariables.hasVariables(text) { out[key] = .string("********") } else { out[key] = mask(child) }
            }
            return .object(out)
        case .array(let items): return .array(items.map(mask))
        default: return value
        }
    }
}
