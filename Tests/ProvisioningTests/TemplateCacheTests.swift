@testable import ACS
import Foundation
import Logging
import OctoCore
import OctoJobs
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// The in-memory template cache of provisioning: two services (as two processes) over one database,
/// each listening for invalidations (`NOTIFY octoisp_cache`) as `octoisp serve` does.
@Suite struct TemplateCacheTests {
    static let logger = { var logger = Logger(label: "template-cache-test"); logger.logLevel = .critical; return logger }()

    static func service(_ stack: TestStack, seconds: TimeInterval = 3600) -> ProvisioningService {
        let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: logger)
        return ProvisioningService(tasks: DeviceTaskService(queue: queue), secrets: nil, logger: logger, templateCacheSeconds: seconds)
    }

    static func template(_ service: ProvisioningService, _ stack: TestStack, provider: UUID, name: String, server: String) async throws -> UUID {
        try await stack.database.withTenant(provider) { tx in
            try await tx.provisioningTemplates.create(
                TemplateInput(name: name, match: .init(manufacturer: "ZTE"),
                              settings: .object(["ntp": .object(["enabled": .bool(true), "servers": .array([.string(server)])])])),
                validator: TemplateValidator(catalog: service.resolver.catalog), secrets: nil, by: .system).0.id
        }
    }

    static func newVersion(_ service: ProvisioningService, _ stack: TestStack, provider: UUID, template: UUID, server: String) async throws {
        _ = try await stack.database.withTenant(provider) { tx in
            try await tx.provisioningTemplates.addVersion(
                template, TemplateInput(settings: .object(["ntp": .object(["enabled": .bool(true), "servers": .array([.string(server)])])])),
                validator: TemplateValidator(catalog: service.resolver.catalog), secrets: nil, by: .system)
        }
    }

    static func device(_ stack: TestStack, provider: UUID) async throws -> UUID {
        try await stack.database.withTenant(provider) { tx in
            try await tx.query("""
                INSERT INTO devices (provider_id, name, vendor, oui, product_class, firmware, serial_number)
                VALUES (\(provider), 'CPE', 'ZTE', '00D0D0', 'ZXHN H199A', 'V9', 'ZTE-1') RETURNING id
                """).values(UUID.self)[0]
        }
    }

    /// A template and version a plan chose.
    struct Chosen: Equatable, Sendable {
        var template: UUID?
        var version: Int?
        init(_ template: UUID?, _ version: Int?) {
            self.template = template
            self.version = version
        }
    }

    /// The template and version planning `device` chose.
    static func planned(_ service: ProvisioningService, _ stack: TestStack, provider: UUID, device: UUID) async throws -> Chosen {
        try await stack.database.withTenant(provider) { tx in
            let plan = try await service.plan(device, in: tx)
            return Chosen(plan.templateId, plan.templateVersion)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aNewTemplateVersionIsPlannedInEveryProcessAndOnlyItsProvidersEntryIsDropped() async throws {
        try await TestDatabase.with { stack in
            let acme = try await stack.makeProvider("acme")
            let other = try await stack.makeProvider("other")
            let services = [Self.service(stack), Self.service(stack)]
            let acmeTemplate = try await Self.template(services[0], stack, provider: acme.id, name: "default", server: "a.ntp.br")
            // The same name and match in another provider: a cached entry of one never answers the other.
            let otherTemplate = try await Self.template(services[0], stack, provider: other.id, name: "default", server: "b.ntp.br")
            let acmeDevice = try await Self.device(stack, provider: acme.id)
            let otherDevice = try await Self.device(stack, provider: other.id)
            let ready = ListenersReady()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in services {
                    let listener = EventListener(url: stack.appURL, logger: Self.logger, invalidations: ready.observing { service.invalidate($0) }, sink: nil)
                    group.addTask { try await listener.run() }
                }
                defer { group.cancelAll() }
                try await ready.wait(for: services.count)
                for service in services {
                    for _ in 0..<2 {
                        #expect(try await Self.planned(service, stack, provider: acme.id, device: acmeDevice) == Chosen(acmeTemplate, 1))
                        #expect(try await Self.planned(service, stack, provider: other.id, device: otherDevice) == Chosen(otherTemplate, 1))
                    }
                    #expect(service.templates.holds(provider: acme.id, key: ""))
                    #expect(service.templates.holds(provider: other.id, key: ""))
                    let cached = service.templates.state.withLock { $0.entries }
                    #expect(cached.values.allSatisfy { $0.value.templates.count == 1 })
                    #expect(cached[.init(provider: acme.id, key: "")]?.value.templates.first?.template.id == acmeTemplate)
                    #expect(cached[.init(provider: other.id, key: "")]?.value.templates.first?.template.id == otherTemplate)
                }

                // Version 2, written by a third party (as the API of another process would).
                let changed = ContinuousClock.now
                try await Self.newVersion(services[0], stack, provider: acme.id, template: acmeTemplate, server: "c.ntp.br")
                var dropped = false
                while ContinuousClock.now - changed < .seconds(5) {
                    if services.allSatisfy({ !$0.templates.holds(provider: acme.id, key: "") }) { dropped = true; break }
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(dropped, "a process still holds the provider's old templates 5 s after the commit")
                for service in services {
                    #expect(service.templates.holds(provider: other.id, key: ""), "another provider's entry was dropped")
                    #expect(try await Self.planned(service, stack, provider: acme.id, device: acmeDevice) == Chosen(acmeTemplate, 2))
                    #expect(try await Self.planned(service, stack, provider: other.id, device: otherDevice) == Chosen(otherTemplate, 1))
                }
                print("template cache: a new version dropped from both processes in \(ContinuousClock.now - changed) or less")
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func withoutTheNotificationTheRevisionStillRefusesAnOldCopy() async throws {
        try await TestDatabase.with { stack in
            let acme = try await stack.makeProvider("acme")
            // No listener: only the template revision read with the device can tell the copy is old.
            let service = Self.service(stack)
            let template = try await Self.template(service, stack, provider: acme.id, name: "default", server: "a.ntp.br")
            let device = try await Self.device(stack, provider: acme.id)
            #expect(try await Self.planned(service, stack, provider: acme.id, device: device) == Chosen(template, 1))
            #expect(service.templates.holds(provider: acme.id, key: ""))
            try await Self.newVersion(service, stack, provider: acme.id, template: template, server: "c.ntp.br")
            #expect(try await Self.planned(service, stack, provider: acme.id, device: device) == Chosen(template, 2))
            // Archived: no template matches any more.
            _ = try await stack.database.withTenant(acme.id) { tx in try await tx.provisioningTemplates.archive(template, by: .system) }
            #expect(try await Self.planned(service, stack, provider: acme.id, device: device) == Chosen(nil, nil))
            // The revision is the provider's own: another provider's changes do not touch it.
            let revisions = try await stack.database.withGlobal { tx in
                try await tx.query("SELECT revision FROM provisioning_template_revisions WHERE provider_id = \(acme.id)").values(Int64.self)
            }
            #expect(revisions.count == 1 && revisions[0] >= 3)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aPlanOfACachedTemplateReadsNoTemplateRow() async throws {
        try await TestDatabase.with { stack in
            let acme = try await stack.makeProvider("acme")
            let service = Self.service(stack)
            let template = try await Self.template(service, stack, provider: acme.id, name: "default", server: "a.ntp.br")
            let device = try await Self.device(stack, provider: acme.id)
            #expect(try await Self.planned(service, stack, provider: acme.id, device: device) == Chosen(template, 1))
            // A template row that changes without its trigger (as the owner can): the warm cache keeps
            // answering with what it read, which shows the second plan read no template row.
            try await stack.connect(stack.ownerURL) { connection in
                _ = try await connection.query("ALTER TABLE provisioning_templates DISABLE TRIGGER USER", logger: Self.logger)
                _ = try await connection.query("UPDATE provisioning_templates SET match_manufacturer = 'nobody'", logger: Self.logger)
                _ = try await connection.query("ALTER TABLE provisioning_templates ENABLE TRIGGER USER", logger: Self.logger)
            }
            #expect(try await Self.planned(service, stack, provider: acme.id, device: device) == Chosen(template, 1))
            // The same service with the cache off reads it.
            let uncached = Self.service(stack, seconds: 0)
            #expect(try await Self.planned(uncached, stack, provider: acme.id, device: device) == Chosen(nil, nil))
        }
    }
}
