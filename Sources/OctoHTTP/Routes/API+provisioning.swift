import ACS
import Foundation
import Hummingbird
import OctoCore
import OctoJobs
import OctoStore

/// A template with one of its versions.
struct TemplateWithVersion: Encodable, Sendable {
    var template: ProvisioningTemplate
    var version: TemplateVersion
}

/// `POST …/rollback`.
struct RollbackInput: Decodable, Sendable {
    var version: Int
}

/// `POST /api/v1/devices/{id}/provisioning/dry-run`.
struct DryRunInput: Decodable, Sendable {
    var templateId: UUID?
    var version: Int?
    var action: DeviceAction?
    var settings: JSONValue?
}

extension API {
    /// Provisioning: templates and versions (`provisioning.read` / `provisioning.write`), device state and
    /// dry runs (`provisioning.read`), apply and remote actions (`devices.execute`).
    func addProvisioningRoutes(to routes: inout RouteTable) {
        routes.get("provisioning/templates", query: ["archived"], paged: true) { request, context in
            try context.require(.provisioning, .read)
            let archived = try request.queryBool("archived") ?? false
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in
                Page(slicing: try await tx.provisioningTemplates.list(includeArchived: archived), page)
            })
        }
        routes.post("provisioning/templates") { request, context in
            try context.require(.provisioning, .write)
            let input = try await request.decode(as: TemplateInput.self, context: context)
            let actor = try context.actor()
            let created = try await templateChange(request, context) { tx in
                try await tx.provisioningTemplates.create(input, validator: TemplateValidator(catalog: provisioning.resolver.catalog),
                                                          secrets: provisioning.secrets, by: actor)
            }
            return JSONResponse(TemplateWithVersion(template: created.0, version: created.1), status: .created)
        }
        routes.get("provisioning/templates/:id") { request, context in
            try context.require(.provisioning, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in
                let template = try await tx.provisioningTemplates.get(id)
                return TemplateWithVersion(template: template, version: try await tx.provisioningTemplates.version(id, number: template.currentVersion))
            })
        }
        routes.delete("provisioning/templates/:id") { request, context in
            try context.require(.provisioning, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.provisioningTemplates.archive(id, by: actor) })
        }
        routes.get("provisioning/templates/:id/versions", paged: true) { request, context in
            try context.require(.provisioning, .read)
            let id = try context.uuid()
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in Page(slicing: try await tx.provisioningTemplates.versions(id), page) })
        }
        routes.post("provisioning/templates/:id/versions") { request, context in
            try context.require(.provisioning, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: TemplateInput.self, context: context)
            let actor = try context.actor()
            let changed = try await templateChange(request, context) { tx in
                try await tx.provisioningTemplates.addVersion(id, input, validator: TemplateValidator(catalog: provisioning.resolver.catalog),
                                                              secrets: provisioning.secrets, by: actor)
            }
            return JSONResponse(TemplateWithVersion(template: changed.0, version: changed.1), status: .created)
        }
        routes.get("provisioning/templates/:id/versions/:version") { request, context in
            try context.require(.provisioning, .read)
            let id = try context.uuid()
            guard let number = context.parameters.get("version").flatMap({ Int($0) }) else { throw OctoError.invalid("version", "version must be a number") }
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.provisioningTemplates.version(id, number: number) })
        }
        routes.get("provisioning/templates/:id/diff", query: ["from", "to"]) { request, context in
            try context.require(.provisioning, .read)
            let id = try context.uuid()
            guard let from = request.query("from").flatMap({ Int($0) }) else { throw OctoError.invalid("from", "from (query) must be a version number") }
            let to = request.query("to").flatMap { Int($0) }
            return JSONResponse(try await inTenant(request, context) { tx in
                let template = try await tx.provisioningTemplates.get(id)
                // Compared in full so a changed key shows as changed; the diff masks secrets itself.
                func full(_ number: Int) async throws -> TemplateVersion {
                    let version = try await tx.provisioningTemplates.version(id, number: number)
                    do { return try await tx.provisioningTemplates.withSecrets(version, secrets: provisioning.secrets) } catch let error as ProvisioningError {
                        throw error.octoError
                    }
                }
                return TemplateDiff(try await full(from), try await full(to ?? template.currentVersion))
            })
        }
        routes.post("provisioning/templates/:id/rollback") { request, context in
            try context.require(.provisioning, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: RollbackInput.self, context: context)
            let actor = try context.actor()
            let changed = try await templateChange(request, context) { tx in
                try await tx.provisioningTemplates.rollback(id, to: input.version, secrets: provisioning.secrets, by: actor)
            }
            return JSONResponse(TemplateWithVersion(template: changed.0, version: changed.1), status: .created)
        }
        routes.get("devices/:id/provisioning") { request, context in
            try context.require(.provisioning, .read)
            let device = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in
                _ = try await tx.devices.get(device)
                guard let state = try await tx.deviceProvisioning.get(device) else {
                    throw OctoError.notFound("provisioning state")
                }
                return state
            })
        }
        routes.get("devices/:id/capabilities") { request, context in
            try context.require(.devices, .read)
            let device = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await provisioning.capabilities(device, in: tx) })
        }
        routes.post("devices/:id/provisioning/dry-run") { request, context in
            try context.require(.provisioning, .read)
            let device = try context.uuid()
            let input = try await request.decode(as: DryRunInput.self, context: context)
            let provider = try await tenant(request, context)
            return JSONResponse(try await provisioning.dryRun(device: device, provider: provider, database: database, template: input.templateId,
                                                              version: input.version, action: input.action, settings: input.settings))
        }
        routes.post("devices/:id/provisioning/apply", body: .none) { request, context in
            try context.require(.devices, .execute)
            let device = try context.uuid()
            let actor = try context.actor()
            let provider = try await tenant(request, context)
            return JSONResponse(try await provisioning.apply(device, provider: provider, database: database, reason: "api", by: actor))
        }
        routes.post("devices/:id/actions") { request, context in
            try context.require(.devices, .execute)
            let device = try context.uuid()
            let action = try await request.decode(as: DeviceAction.self, context: context)
            let actor = try context.actor()
            let provider = try await tenant(request, context)
            return JSONResponse(try await provisioning.perform(action, device: device, provider: provider, database: database, by: actor),
                                status: .accepted)
        }
    }

    /// Bulk rollouts: start and cancel (`devices.execute`), progress and per-device results (`provisioning.read`).
    func addRolloutRoutes(to routes: inout RouteTable) {
        routes.post("provisioning/rollouts") { request, context in
            try context.require(.devices, .execute)
            let input = try await request.decode(as: RolloutInput.self, context: context)
            let actor = try context.actor()
            let provider = try await tenant(request, context)
            return JSONResponse(try await provisioning.startRollout(input, provider: provider, database: database, by: actor), status: .created)
        }
        routes.get("provisioning/rollouts", paged: true) { request, context in
            try context.require(.provisioning, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in
                Page(items: try await tx.rollouts.list(page: page), total: try await tx.rollouts.count(), limit: page.limit, offset: page.offset)
            })
        }
        routes.get("provisioning/rollouts/:id") { request, context in
            try context.require(.provisioning, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.rollouts.get(id) })
        }
        routes.get("provisioning/rollouts/:id/devices", query: ["status"], paged: true) { request, context in
            try context.require(.provisioning, .read)
            let id = try context.uuid()
            let status = request.query("status")
            if let status, !["pending", "running", "succeeded", "failed", "skipped"].contains(status) {
                throw OctoError.invalid("status", "status must be one of: pending, running, succeeded, failed, skipped")
            }
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.rollouts.devices(id, status: status, page: page) })
        }
        routes.post("provisioning/rollouts/:id/cancel", body: .none) { request, context in
            try context.require(.devices, .execute)
            let id = try context.uuid()
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.rollouts.cancel(id, by: actor) })
        }
    }

    /// Runs a template change and, in the same transaction (PostgreSQL queue) or right after, enqueues
    /// the job that applies the template's current version to the devices it matches.
    func templateChange(_ request: Request, _ context: APIContext,
                        _ body: @Sendable (Transaction) async throws -> (ProvisioningTemplate, TemplateVersion)) async throws -> (ProvisioningTemplate, TemplateVersion) {
        let provider = try await tenant(request, context)
        let (result, pending) = try await database.withTenant(provider, logger: context.logger) { tx -> ((ProvisioningTemplate, TemplateVersion), JobRequest?) in
            let result = try await body(tx)
            guard let jobs else { return (result, nil) }
            let job = try JobRequest(ProvisioningTemplateJob(templateId: result.0.id), providerID: provider, maxAttempts: 3,
                                     orderingKey: "provisioning-template:\(result.0.id.lowercased)")
            try await JobOutbox.stage(job, on: jobs, in: tx)
            return (result, nil)
        }
        if let pending, let jobs { _ = try await jobs.enqueue(pending) }
        return result
    }
}
