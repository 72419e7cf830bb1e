import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OctoCore
import OctoHTTP
import OctoJobs
import OctoStore
import OctoTestSupport
import Reports
import Testing

/// The provider's report time zone and logo through the API: validated (400 naming the field, 413 over
/// the cap), permission-checked, audited, isolated per provider, and used by the next report generated
/// (the PDF read back with pdftotext and pdfimages).
@Suite(.serialized) struct ReportSettingsAPITests {
    /// A 160 × 160 PNG made from the dashboard's icon.
    static func logo() async throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = directory.appendingPathComponent("logo.png")
        _ = try await ChildProcess.shell("rsvg-convert -w 160 -h 160 \(repo.path)/web/static/icon.svg -o \(file.path)")
        return Array(try Data(contentsOf: file))
    }

    /// Sends raw bytes (the logo upload).
    static func put(_ harness: APIHarness, _ path: String, token: String, provider: UUID, bytes: [UInt8],
                    type: String = "image/png") async throws -> (status: HTTPResponse.Status, json: JSONValue?) {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: type]
        headers[HTTPField.Name("X-Provider-Id")!] = provider.lowercased
        let response = try await harness.client.execute(uri: path, method: .put, headers: headers, body: ByteBuffer(bytes: bytes))
        return (response.status, try? OctoJSON.decoder.decode(JSONValue.self, from: Data(response.body.readableBytesView)))
    }

    /// A GET answered with bytes (the logo, a report file).
    static func bytes(_ harness: APIHarness, _ path: String, token: String, provider: UUID) async throws -> (status: HTTPResponse.Status, body: [UInt8], type: String?) {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        headers[HTTPField.Name("X-Provider-Id")!] = provider.lowercased
        let response = try await harness.client.execute(uri: path, method: .get, headers: headers, body: nil)
        return (response.status, Array(response.body.readableBytesView), response.headers[.contentType])
    }

    static func audit(_ harness: APIHarness, _ provider: UUID) async throws -> [String] {
        try await harness.stack.database.withTenant(provider) { tx in
            try await tx.query("SELECT action FROM audit_log WHERE action LIKE 'report_settings.%' ORDER BY seq").values(String.self)
        }
    }

    @Test func theTimeZoneIsValidatedAgainstTheTzDatabaseAuditedAndIsolated() async throws {
        try await APIHarness.with { harness in
            let alfa = try await harness.stack.makeProvider("alfa"), beta = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: alfa.id)
            try await harness.stack.makeUser("noc@alfa.test", role: .noc, provider: alfa.id)
            try await harness.stack.makeUser("admin@beta.test", role: .providerAdmin, provider: beta.id)
            let admin = try await harness.login("admin@alfa.test"), noc = try await harness.login("noc@alfa.test")
            let other = try await harness.login("admin@beta.test")

            let initial = try await harness.call(.get, "/api/v1/report-settings", token: admin, provider: alfa.id)
            #expect(initial.status == .ok && initial.string("time_zone") == "America/Sao_Paulo")
            #expect(initial["logo"] == nil || initial["logo"] == .null)
            for bad in ["Mars/Olympus_Mons", "../../etc/passwd", "/usr/share/zoneinfo/UTC", "America/", "", "posix/America/Manaus", "America/Sao Paulo"] {
                let response = try await harness.call(.patch, "/api/v1/report-settings", token: admin, provider: alfa.id,
                                                      json: #"{"time_zone": "\#(bad)"}"#)
                #expect(response.status == .badRequest && response.errorField == "time_zone", "\(bad) → \(response.status)")
            }
            let number = try await harness.call(.patch, "/api/v1/report-settings", token: admin, provider: alfa.id, json: #"{"time_zone": 3}"#)
            #expect(number.status == .badRequest && number.errorField == "time_zone")
            // NOC reads the settings but does not change provider settings.
            #expect(try await harness.call(.get, "/api/v1/report-settings", token: noc, provider: alfa.id).status == .ok)
            let denied = try await harness.call(.patch, "/api/v1/report-settings", token: noc, provider: alfa.id, json: #"{"time_zone": "America/Manaus"}"#)
            #expect(denied.status == .forbidden)
            #expect(try await Self.audit(harness, alfa.id).isEmpty, "refused changes write nothing")

            let changed = try await harness.call(.patch, "/api/v1/report-settings", token: admin, provider: alfa.id,
                                                 json: #"{"time_zone": "America/Manaus"}"#)
            #expect(changed.status == .ok && changed.string("time_zone") == "America/Manaus", "\(changed.status) \(String(describing: changed.json))")
            #expect(try await harness.call(.get, "/api/v1/report-settings", token: noc, provider: alfa.id).string("time_zone") == "America/Manaus")
            #expect(try await harness.call(.get, "/api/v1/report-settings", token: other, provider: beta.id).string("time_zone") == "America/Sao_Paulo")
            let utc = try await harness.call(.patch, "/api/v1/report-settings", token: admin, provider: alfa.id, json: #"{"time_zone": "UTC"}"#)
            #expect(utc.status == .ok && utc.string("time_zone") == "UTC")
            #expect(try await Self.audit(harness, alfa.id) == ["report_settings.update", "report_settings.update"])
            #expect(try await Self.audit(harness, beta.id).isEmpty)
        }
    }

    @Test func aLogoIsAWholePNGUnderTheCapAndTheNextReportUsesItAndTheTimeZone() async throws {
        try await APIHarness.with(jobs: { stack in PostgresJobQueue(database: stack.database, clock: stack.clock) }) { harness in
            let alfa = try await harness.stack.makeProvider("alfa"), beta = try await harness.stack.makeProvider("beta")
            try await harness.stack.makeUser("admin@alfa.test", role: .providerAdmin, provider: alfa.id)
            try await harness.stack.makeUser("tech@alfa.test", role: .technician, provider: alfa.id)
            try await harness.stack.makeUser("admin@beta.test", role: .providerAdmin, provider: beta.id)
            let admin = try await harness.login("admin@alfa.test"), tech = try await harness.login("tech@alfa.test")
            let other = try await harness.login("admin@beta.test")
            let png = try await Self.logo()
            #expect(try await Self.bytes(harness, "/api/v1/report-settings/logo", token: admin, provider: alfa.id).status == .notFound)

            // Not a PNG, a cut PNG, a JPEG labelled as PNG: 400 naming the logo; over 512 KiB: 413.
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0, count: 200)
            for bad in [Array("hello".utf8), Array(png.prefix(png.count - 20)), jpeg, []] {
                let response = try await Self.put(harness, "/api/v1/report-settings/logo", token: admin, provider: alfa.id, bytes: bad)
                #expect(response.status == .badRequest, "\(bad.prefix(8)) → \(response.status)")
                #expect(response.json?.fields?["error"]?.string("field") == "logo")
            }
            let huge = Array(png.prefix(33)) + Array(repeating: 0, count: 600 * 1024) + Array(png.suffix(12))
            #expect(try await Self.put(harness, "/api/v1/report-settings/logo", token: admin, provider: alfa.id, bytes: huge).status == .contentTooLarge)
            #expect(try await Self.put(harness, "/api/v1/report-settings/logo", token: tech, provider: alfa.id, bytes: png).status == .forbidden)
            #expect(try await Self.audit(harness, alfa.id).isEmpty)

            let stored = try await Self.put(harness, "/api/v1/report-settings/logo", token: admin, provider: alfa.id, bytes: png)
            #expect(stored.status == .ok, "\(stored.status) \(String(describing: stored.json))")
            let logo = stored.json?.fields?["logo"]?.fields
            #expect(logo?["width"] == .number(160) && logo?["height"] == .number(160) && logo?["bytes"] == .number(Double(png.count)))
            let read = try await Self.bytes(harness, "/api/v1/report-settings/logo", token: tech, provider: alfa.id)
            #expect(read.status == .ok && read.body == png && read.type == "image/png")
            #expect(try await Self.bytes(harness, "/api/v1/report-settings/logo", token: other, provider: beta.id).status == .notFound,
                    "another provider sees its own (absent) logo")
            #expect(try await harness.call(.patch, "/api/v1/report-settings", token: admin, provider: alfa.id,
                                           json: #"{"time_zone": "America/Manaus"}"#).status == .ok)

            // A report requested now is computed in Manaus time (UTC−4) and shows the zone and the logo.
            try await harness.stack.database.withTenant(alfa.id) { tx in
                try await tx.query("INSERT INTO pops (provider_id, name) VALUES (\(alfa.id), 'Centro')")
            }
            let run = try await harness.call(.post, "/api/v1/reports", token: admin, provider: alfa.id,
                                             json: #"{"kind": "sla", "from": "2026-11-01", "to": "2026-11-01", "formats": ["pdf"]}"#)
            #expect(run.status == .accepted, "\(String(describing: run.json))")
            #expect(run.string("period_from")?.hasPrefix("2026-11-01T04:00:00") == true, "\(String(describing: run.string("period_from")))")
            let id = try #require(run.string("id").flatMap(UUID.init(uuidString:)))
            let service = ReportService(database: harness.stack.database, queue: PostgresJobQueue(database: harness.stack.database, clock: harness.stack.clock),
                                        secrets: nil, logger: Logger(label: "test"))
            try await service.execute(id, provider: alfa.id)
            let file = try await Self.bytes(harness, "/api/v1/reports/\(id.lowercased)/files/pdf", token: admin, provider: alfa.id)
            #expect(file.status == .ok)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-settings-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let pdf = directory.appendingPathComponent("sla.pdf")
            try Data(file.body).write(to: pdf)
            let text = try await ChildProcess.shell("pdftotext -layout \(pdf.path) -")
            #expect(text.contains("America/Manaus") && text.contains("01/11/2026"), "\(text.prefix(600))")
            let images = try await ChildProcess.shell("pdfimages -list \(pdf.path)")
            #expect(images.split(separator: "\n").contains { $0.contains(" 160 ") && $0.contains("image") }, "the logo on the cover: \(images)")

            // Removed: the next report has no image; a second delete is 404.
            #expect(try await harness.call(.delete, "/api/v1/report-settings/logo", token: admin, provider: alfa.id).status == .noContent)
            #expect(try await harness.call(.delete, "/api/v1/report-settings/logo", token: admin, provider: alfa.id).status == .notFound)
            let settings = try await harness.call(.get, "/api/v1/report-settings", token: admin, provider: alfa.id)
            #expect(settings["logo"] == nil || settings["logo"] == .null)
            let again = try await harness.call(.post, "/api/v1/reports", token: admin, provider: alfa.id,
                                               json: #"{"kind": "sla", "from": "2026-11-01", "to": "2026-11-01", "formats": ["pdf"]}"#)
            let second = try #require(again.string("id").flatMap(UUID.init(uuidString:)))
            try await service.execute(second, provider: alfa.id)
            let plain = try await Self.bytes(harness, "/api/v1/reports/\(second.lowercased)/files/pdf", token: admin, provider: alfa.id)
            try Data(plain.body).write(to: pdf)
            let none = try await ChildProcess.shell("pdfimages -list \(pdf.path)")
            #expect(!none.split(separator: "\n").contains { $0.contains(" 160 ") }, "\(none)")
            #expect(try await Self.audit(harness, alfa.id) == ["report_settings.logo.set", "report_settings.update", "report_settings.logo.delete"])
        }
    }
}

extension JSONValue {
    /// The members of an object.
    fileprivate var fields: [String: JSONValue]? {
        guard case .object(let object) = self else { return nil }
        return object
    }
}
