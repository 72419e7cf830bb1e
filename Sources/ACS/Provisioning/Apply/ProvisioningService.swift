import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import PostgresNIO

/// Provisioning of TR-069 devices: template (or per-device overrides) → abstract settings → parameter
/// values through the mappings → diff against the cached tree → one SetParameterValues task whose
/// ParameterKey names the desired state. Settling that task records the result (``DeviceProvisioningRepository``).
/// Every core operation runs inside a caller's tenant transaction so the ACS can apply from a session.
public struct ProvisioningService: Sendable {
    /// Queues the SetParameterValues, reboot and factory-reset tasks.
    public let tasks: DeviceTaskService
    /// Seals generated Wi-Fi keys; without it templates using `{{generated.wifi_key}}` cannot be applied.
    public let secrets: SecretBox?
    /// The mappings.
    public let resolver: SettingsResolver
    /// Logger.
    public let logger: Logger
    /// Each provider's live templates with their current versions (key ""), so planning a device reads
    /// no template row while they are unchanged. Used only when read at the template revision the
    /// planning transaction sees (migration 0144 bumps it with every template change, in the changing
    /// transaction), so it is never older than the database; a change also drops the provider's entry in
    /// every process that listens (``invalidate(_:)``), which frees it at once.
    let templates: ProviderCache<TemplateSet>

    /// A provider's live templates as read at a template revision.
    struct TemplateSet: Sendable {
        /// `provisioning_template_revisions.revision` when they were read (0: never changed).
        var revision: Int64
        var templates: [CurrentTemplate]
    }

    /// Creates the service. With `templateCacheSeconds` > 0, templates are kept in memory that long at
    /// most (`octoisp serve` also hands ``invalidate(_:)`` the `octoisp_cache` notifications).
    public init(tasks: DeviceTaskService, secrets: SecretBox?, resolver: SettingsResolver = SettingsResolver(), logger: Logger,
                templateCacheSeconds: TimeInterval = 0) {
        self.tasks = tasks
        self.secrets = secrets
        self.resolver = resolver
        self.logger = logger
        self.templates = ProviderCache(name: "provisioning_template", lifetime: templateCacheSeconds, capacity: 10_000)
    }

    /// Drops what another process changed (a `NOTIFY` on `octoisp_cache`, see ``EventListener``): the
    /// provider's templates.
    public func invalidate(_ item: CacheInvalidation) {
        if item.isEverything {
            templates.forgetAll()
        } else if item.cache == "provisioning_template" {
            templates.forget(provider: item.provider)
        }
    }

    /// The live templates of the transaction's provider with their current versions, from ``templates``
    /// while fresh and read at `revision`: the template revision the transaction saw in an earlier statement
    /// (``DeviceContext/templatesRevision``). Templates read now are at least that recent, so they are kept
    /// under it.
    func currentTemplates(in tx: Transaction, revision: Int64) async throws -> [CurrentTemplate] {
        guard templates.isEnabled, let provider = tx.providerID else { return try await tx.provisioningTemplates.current() }
        let now = Date()
        if let cached = templates.value(provider: provider, key: "", now: now, where: { $0.revision == revision }) { return cached.templates }
        let ticket = templates.ticket()
        let read = try await tx.provisioningTemplates.current()
        templates.store(TemplateSet(revision: revision, templates: read), provider: provider, key: "", now: now, ticket: ticket)
        return read
    }

    /// What applying would do to one device.
    public struct Plan: Codable, Sendable, Hashable {
        /// The device.
        public var deviceId: UUID
        /// The template used, if any.
        public var templateId: UUID?
        /// Its version.
        public var templateVersion: Int?
        /// The mapping layers used.
        public var mapping: [String]
        /// The whole desired state.
        public var desired: [ParameterChange]
        /// The ParameterKey naming it.
        public var parameterKey: String
        /// The parameters that differ from the device's cached values: exactly what would be sent.
        public var changes: [ParameterChange]
        /// Fields left out, and why.
        public var skipped: [SkippedField]
        /// Why nothing can be applied.
        public var errors: [ProvisioningError]
        /// The model needs a reboot after Wi-Fi changes (model flag): the apply queues one after them.
        public var rebootAfterWifiChange: Bool = false

        /// The plan with the values of secret fields masked, as the API shows it.
        public var masked: Plan {
            var plan = self
            plan.desired = ProvisioningService.masked(desired)
            plan.changes = ProvisioningService.masked(changes)
            return plan
        }
    }

    /// What one device looks like to provisioning.
    struct DeviceContext {
        var facts: DeviceFacts
        var serial: String
        var popId: UUID?
        var customerId: UUID?
        var customerName: String?
        var tree: [String: ParameterNode]
        /// The provider's template revision when the device was read (0: its templates never changed).
        var templatesRevision: Int64 = 0
        var root: String { tree.keys.contains { $0.hasPrefix("Device.") } ? "Device." : "InternetGatewayDevice." }
    }

    func context(_ device: UUID, in tx: Transaction) async throws -> DeviceContext {
        guard let row = try await tx.query("""
            SELECT d.vendor, d.oui, d.product_class, d.firmware, d.serial_number, d.pop_id, d.customer_id, c.name AS customer_name,
                   coalesce((SELECT r.revision FROM provisioning_template_revisions r WHERE r.provider_id = d.provider_id), 0) AS templates_revision
            FROM devices d LEFT JOIN customers c ON c.provider_id = d.provider_id AND c.id = d.customer_id WHERE d.id = \(device)
            """).acsFirst({ row in
                (facts: DeviceFacts(manufacturer: try row.acsColumn("vendor", as: String?.self) ?? "", oui: try row.acsColumn("oui", as: String?.self) ?? "",
                                    productClass: try row.acsColumn("product_class", as: String?.self) ?? "",
                                    firmware: try row.acsColumn("firmware", as: String?.self) ?? ""),
                 serial: try row.acsColumn("serial_number", as: String?.self) ?? "", pop: try row.acsColumn("pop_id", as: UUID?.self),
                 customer: try row.acsColumn("customer_id", as: UUID?.self), customerName: try row.acsColumn("customer_name", as: String?.self),
                 revision: try row.acsColumn("templates_revision", as: Int64.self))
            }) else { throw OctoError.notFound("device") }
        var tree: [String: ParameterNode] = [:]
        for try await (path, value, type, writable) in try await tx.query("""
            SELECT path, value, type, writable FROM device_parameters WHERE device_id = \(device)
            """).decode((String, String?, String?, Bool?).self) {
            tree[path] = ParameterNode(value: value ?? "", type: type ?? "", writable: writable ?? false)
        }
        return DeviceContext(facts: row.facts, serial: row.serial, popId: row.pop, customerId: row.customer, customerName: row.customerName, tree: tree,
                             templatesRevision: row.revision)
    }

    /// The settings for `device`: the template version (policies enforced) with the device's overrides
    /// (and `extra`) laid over it, variables replaced. Generates and seals the per-device Wi-Fi key on first use.
    func settings(device: UUID, context: DeviceContext, version: TemplateVersion?, overrides: JSONValue, extra: ProvisioningSettings?,
                  in tx: Transaction) async throws -> Result<ProvisioningSettings, ProvisioningError> {
        do {
            var settings = try version.map { try ProvisioningSettings(json: $0.settings) } ?? ProvisioningSettings()
            settings = settings.merging(try ProvisioningSettings(json: overrides))
            if let extra { settings = settings.merging(extra) }
            if let policies = version?.policies { settings = try policies.enforce(on: settings) }
            var variables = TemplateVariables(["device.serial": context.serial, "device.oui": context.facts.oui,
                                               "customer.id": context.customerId?.lowercased ?? "", "customer.name": context.customerName ?? ""])
            if settings.usesGeneratedKey {
                variables.values["generated.wifi_key"] = try await generatedKey(device, in: tx)
            }
            return .success(try settings.substituting(variables))
        } catch let error as ProvisioningError {
            return .failure(error)
        }
    }

    /// The device's overrides in clear: opened from their sealed form, or as stored when no secret key is configured.
    func storedOverrides(_ device: UUID, state: DeviceProvisioning?, in tx: Transaction) async throws -> JSONValue {
        guard let secrets, let sealed = try await tx.deviceProvisioning.sealedOverrides(device) else { return state?.overrides ?? .object([:]) }
        let text = try secrets.open(sealed, context: "provisioning-overrides:\(tx.providerID?.lowercased ?? "-"):\(device.lowercased)")
        return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Stores `overrides` for `device`: masked in the state row, sealed in full. Without a secret key
    /// only overrides holding no key or password can be stored (in the state row); others are refused.
    func storeOverrides(_ overrides: ProvisioningSettings, state: inout DeviceProvisioning, in tx: Transaction) async throws {
        guard let secrets else {
            guard TemplateSnapshot.mask(overrides.json) == overrides.json else {
                throw ProvisioningError(.invalidValue, field: "key", "keys and passwords need a secret key (OCTOISP_SECRET_KEY) to be stored sealed").octoError
            }
            state.overrides = overrides.json
            try await tx.deviceProvisioning.save(state)
            return
        }
        state.overrides = TemplateSnapshot.mask(overrides.json)
        try await tx.deviceProvisioning.save(state)
        let text = String(decoding: try JSONEncoder().encode(overrides.json), as: UTF8.self)
        let sealed = try secrets.seal(text, context: "provisioning-overrides:\(tx.providerID?.lowercased ?? "-"):\(state.deviceId.lowercased)")
        try await tx.deviceProvisioning.storeSealedOverrides(state.deviceId, sealed: sealed)
    }

    /// `tree` with the cached markers of secret values (``SecretParameters/marker(_:path:device:provider:secrets:)``)
    /// that stand for the desired value replaced by it, so a key already in place is not sent again.
    func recognisingSecrets(_ tree: [String: ParameterNode], desired: [ParameterChange], device: UUID, in tx: Transaction) -> [String: ParameterNode] {
        var tree = tree
        for parameter in desired {
            guard let node = tree[parameter.path], SecretParameters.isMarker(node.value),
                  SecretParameters.marker(node.value, matches: parameter.value, path: parameter.path, device: device, provider: tx.providerID,
                                          secrets: secrets) else { continue }
            tree[parameter.path]?.value = parameter.value
        }
        return tree
    }

    /// `changes` with the values of secret fields masked, as stored and audited.
    static func masked(_ changes: [ParameterChange]) -> [ParameterChange] {
        changes.map { change in
            guard SettingsField(rawValue: String(change.field.prefix { $0 != "@" }))?.isSecret == true else { return change }
            var masked = change
            masked.value = "********"
            masked.current = masked.current.map { _ in "********" }
            return masked
        }
    }

    /// The device's generated Wi-Fi key, made (16 characters) and sealed on first use.
    func generatedKey(_ device: UUID, in tx: Transaction) async throws -> String {
        guard let secrets else {
            throw ProvisioningError(.invalidValue, field: "generated.wifi_key", "generated Wi-Fi keys need a secret key (OCTOISP_SECRET_KEY)")
        }
        let context = "provisioning-wifi-key:\(tx.providerID?.lowercased ?? "-"):\(device.lowercased)"
        if let sealed = try await tx.deviceProvisioning.sealedWifiKey(device) { return try secrets.open(sealed, context: context) }
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        let key = String((0..<16).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
        try await tx.deviceProvisioning.storeWifiKey(device, sealed: try secrets.seal(key, context: context))
        return key
    }

    /// The plan for `device` in `tx`: the matching template (or `template`), the device's overrides and `extra`.
    public func plan(_ device: UUID, in tx: Transaction, template: (ProvisioningTemplate, TemplateVersion)?? = nil,
                     extra: ProvisioningSettings? = nil, overrides: JSONValue? = nil) async throws -> Plan {
        let context = try await context(device, in: tx)
        let state = try await tx.deviceProvisioning.get(device)
        let chosen: (ProvisioningTemplate, TemplateVersion)?
        var opened: TemplateVersion?
        var sealedError: ProvisioningError?
        if let template {
            chosen = template
            if let version = template?.1 {
                do { opened = try await tx.provisioningTemplates.withSecrets(version, secrets: secrets) } catch let error as ProvisioningError { sealedError = error }
            }
        } else {
            // The highest-priority live template matching the device (and its POP).
            let match = try await currentTemplates(in: tx, revision: context.templatesRevision).first {
                $0.template.match.matches(context.facts) && ($0.template.popId == nil || $0.template.popId == context.popId)
            }
            chosen = match.map { ($0.template, $0.version) }
            if let match {
                do { opened = try tx.provisioningTemplates.opened(match.version, sealed: match.sealed, secrets: secrets) } catch let error as ProvisioningError { sealedError = error }
            }
        }
        let stored: JSONValue
        if let overrides { stored = overrides } else { stored = try await storedOverrides(device, state: state, in: tx) }
        let settings: Result<ProvisioningSettings, ProvisioningError>
        if let sealedError {
            settings = .failure(sealedError)
        } else {
            settings = try await self.settings(device: device, context: context, version: opened, overrides: stored, extra: extra, in: tx)
        }
        var plan = Plan(deviceId: device, templateId: chosen?.0.id, templateVersion: chosen?.1.version, mapping: [], desired: [],
                        parameterKey: "", changes: [], skipped: [], errors: [])
        switch settings {
        case .failure(let error):
            plan.errors = [error]
            return plan
        case .success(let settings):
            let resolution = resolver.resolve(settings, facts: context.facts, tree: context.tree, rejected: Set(state?.rejectedPaths ?? []),
                                              pathOverrides: chosen?.1.pathOverrides ?? [:])
            let desired = DesiredState(resolution.changes)
            plan.mapping = resolution.mapping
            plan.desired = desired.parameters
            plan.parameterKey = desired.parameterKey
            plan.changes = desired.diff(against: recognisingSecrets(context.tree, desired: desired.parameters, device: device, in: tx))
            plan.skipped = resolution.skipped
            plan.errors = resolution.errors
            plan.rebootAfterWifiChange = resolution.rebootAfterWifiChange
            return plan
        }
    }
}

extension ProvisioningService {
    /// What the device's own tree says it can do (bands, interfaces, channels, widths, security modes),
    /// as the dashboard offers it. 404 when the device has no TR-069 parameter tree yet.
    public func capabilities(_ device: UUID, in tx: Transaction) async throws -> CapabilityReport {
        let context = try await context(device, in: tx)
        guard !context.tree.isEmpty else { throw OctoError.notFound("TR-069 parameter tree") }
        return resolver.capabilities(facts: context.facts, tree: context.tree)
    }
}
