import Foundation
import Hummingbird
import OctoCore
import OctoStore
import Reports

extension API {
    /// Reports: the archive and downloads with `reports.read`, on-demand runs with `reports.execute`,
    /// schedules and deletions with `reports.write`. Downloads need an authenticated session like every
    /// other route (the dashboard fetches them with its token).
    func addReportRoutes(to routes: inout RouteTable) {
        routes.get("reports", query: ["kind"], paged: true) { request, context in
            try context.require(.reports, .read)
            let page = try request.page()
            let kind = try request.queryEnum("kind", ReportKind.self)
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportRuns.list(page: page, kind: kind) })
        }
        routes.post("reports") { request, context in
            try context.require(.reports, .execute)
            let input = try await request.decode(as: ReportRequest.self, context: context)
            let actor = try context.actor()
            guard let reports else { throw OctoError(.unavailable, "reports need a job queue") }
            let run = try await reports.request(input, provider: try await tenant(request, context), by: actor)
            return JSONResponse(run, status: .accepted)
        }
        routes.post("reports/preview") { request, context in
            try context.require(.reports, .read)
            let input = try await request.decode(as: ReportRequest.self, context: context)
            try input.validate(requireDates: true)
            return JSONResponse(try await inTenant(request, context) { tx in
                let period = try input.period(timeZone: try await ReportGenerator.timeZone(tx))
                var limited = input
                limited.formats = nil
                let writer = PreviewWriter(rowLimit: min(input.top ?? 50, 200))
                try await ReportGenerator.generate(limited, period: period, tx: tx, writers: [writer])
                return writer.result
            })
        }
        routes.get("reports/:id") { request, context in
            try context.require(.reports, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportRuns.get(id) })
        }
        routes.delete("reports/:id") { request, context in
            try context.require(.reports, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.reportRuns.delete(id, by: actor) }
            return NoContent()
        }
        routes.get("reports/:id/files/:format") { request, context in
            try context.require(.reports, .read)
            let id = try context.uuid()
            guard let format = context.parameters.get("format").flatMap(ReportFormat.init(rawValue:)) else {
                throw OctoError.invalid("format", "format must be pdf, csv or csv_pt_br")
            }
            let file = try await inTenant(request, context) { tx in try await tx.reportRuns.file(id, format: format) }
            let ascii = String(file.name.unicodeScalars.map { $0.isASCII && $0.value > 32 && $0 != "\"" ? Character($0) : "_" })
            return Response(status: .ok, headers: [
                .contentType: file.contentType, .contentDisposition: "attachment; filename=\"\(ascii)\"",
                .cacheControl: "private, no-store",
            ], body: .init(byteBuffer: ByteBuffer(bytes: file.content)))
        }
        // The provider's report settings: read with `reports.read`; the time zone and the logo are
        // provider-wide settings, changed with `settings.write`.
        routes.get("report-settings") { request, context in
            try context.require(.reports, .read)
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportSettings.get() })
        }
        routes.patch("report-settings") { request, context in
            try context.require(.settings, .write)
            let input = try await request.decode(as: ReportSettingsInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportSettings.update(input, by: actor) })
        }
        routes.get("report-settings/logo") { request, context in
            try context.require(.reports, .read)
            let logo = try await inTenant(request, context) { tx in try await tx.reportSettings.logo() }
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: logo)))
        }
        routes.on(.put, "report-settings/logo", body: .raw) { request, context in
            try context.require(.settings, .write)
            let actor = try context.actor()
            // More than the cap is refused while reading (413); the bytes are checked as a PNG (400).
            let body = try await request.body.collect(upTo: ReportSettingsRepository.maximumLogoBytes)
            let bytes = Array(body.readableBytesView)
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportSettings.setLogo(bytes, by: actor) })
        }
        routes.delete("report-settings/logo") { request, context in
            try context.require(.settings, .write)
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.reportSettings.deleteLogo(by: actor) }
            return NoContent()
        }
        routes.get("report-schedules", paged: true) { request, context in
            try context.require(.reports, .read)
            let page = try request.page()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportSchedules.list(page: page) })
        }
        routes.post("report-schedules") { request, context in
            try context.require(.reports, .write)
            let input = try await request.decode(as: ReportScheduleInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportSchedules.create(input, by: actor) }, status: .created)
        }
        routes.get("report-schedules/:id") { request, context in
            try context.require(.reports, .read)
            let id = try context.uuid()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportSchedules.get(id) })
        }
        routes.patch("report-schedules/:id") { request, context in
            try context.require(.reports, .write)
            let id = try context.uuid()
            let input = try await request.decode(as: ReportScheduleInput.self, context: context)
            let actor = try context.actor()
            return JSONResponse(try await inTenant(request, context) { tx in try await tx.reportSchedules.update(id, input, by: actor) })
        }
        routes.delete("report-schedules/:id") { request, context in
            try context.require(.reports, .write)
            let id = try context.uuid()
            let actor = try context.actor()
            try await inTenant(request, context) { tx in try await tx.reportSchedules.delete(id, by: actor) }
            return NoContent()
        }
    }
}
