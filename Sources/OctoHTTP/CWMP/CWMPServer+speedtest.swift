import ACS
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NetTools
import ToolRuns

extension CWMPServer {
    /// The speed-test file server (TR-143): `GET /cwmp-speedtest/{providerSlug}/{runId}/{token}`
    /// streams the run's test bytes, generated on the fly; `PUT` (or `POST`) to the same URL counts the
    /// uploaded bytes and discards them, refusing more than the test's size (413). The token is one-time
    /// and bound to a running speed test of that provider; a wrong, used or expired token, another
    /// direction or another provider answer 404. Progress goes to `tool-runs/<id>`, and the bytes
    /// counted are recorded in the run when the transfer ends.
    func addSpeedTestRoutes(to router: Router<CWMPContext>) {
        let engine = engine
        @Sendable func grant(_ context: CWMPContext, _ direction: SpeedTestRequest.Direction) async -> SpeedTestGrant? {
            guard let slug = context.parameters.get("slug"), let run = context.parameters.get("run").flatMap(UUID.init(uuidString:)),
                  let token = context.parameters.get("token"),
                  let grant = await engine.speedTestGrant(slug: slug, run: run, token: token, direction: direction) else { return nil }
            return grant
        }
        router.get("/cwmp-speedtest/:slug/:run/:token") { _, context -> Response in
            guard let grant = await grant(context, .download) else { return Self.plain(.notFound, "not found\n") }
            let body = ResponseBody(contentLength: grant.bytes) { writer in
                let chunk = ByteBuffer(repeating: 0x5a, count: 64 * 1024)
                var meter = SpeedTestMeter(grant: grant)
                do {
                    while meter.bytes < grant.bytes {
                        let size = min(chunk.readableBytes, grant.bytes - meter.bytes)
                        try await writer.write(chunk.getSlice(at: 0, length: size)!)
                        if let progress = meter.add(size) { await engine.speedTestProgress(grant, progress: progress, final: false) }
                    }
                    try await writer.finish(nil)
                } catch {
                    // The CPE went away mid-transfer: what was sent is still recorded.
                    await engine.speedTestProgress(grant, progress: meter.progress, final: true)
                    throw error
                }
                await engine.speedTestProgress(grant, progress: meter.progress, final: true)
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: "no-store"], body: body)
        }
        let upload: @Sendable (Request, CWMPContext) async throws -> Response = { request, context in
            guard let grant = await grant(context, .upload) else { return Self.plain(.notFound, "not found\n") }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > grant.bytes {
                await engine.speedTestProgress(grant, progress: SpeedTestMeter(grant: grant).progress, final: true)
                return Self.plain(.contentTooLarge, "more than the test's \(grant.bytes) bytes\n")
            }
            var meter = SpeedTestMeter(grant: grant)
            for try await buffer in request.body {
                guard meter.bytes + buffer.readableBytes <= grant.bytes else {
                    await engine.speedTestProgress(grant, progress: meter.progress, final: true)
                    return Self.plain(.contentTooLarge, "more than the test's \(grant.bytes) bytes\n")
                }
                if let progress = meter.add(buffer.readableBytes) { await engine.speedTestProgress(grant, progress: progress, final: false) }
            }
            await engine.speedTestProgress(grant, progress: meter.progress, final: true)
            return Self.plain(.ok, "\(meter.bytes)\n")
        }
        router.put("/cwmp-speedtest/:slug/:run/:token", use: upload)
        router.post("/cwmp-speedtest/:slug/:run/:token", use: upload)
    }
}

/// Counts a speed test's bytes and says when a progress report is due (every half second).
struct SpeedTestMeter {
    let grant: SpeedTestGrant
    var bytes = 0
    var started: ContinuousClock.Instant?
    var lastReport: ContinuousClock.Instant?

    init(grant: SpeedTestGrant) { self.grant = grant }

    /// Adds `count` bytes; the progress when one is due.
    mutating func add(_ count: Int) -> SpeedTestProgress? {
        let now = ContinuousClock.now
        if started == nil { started = now; lastReport = now }
        bytes += count
        guard let last = lastReport, now - last >= .milliseconds(500) else { return nil }
        lastReport = now
        return progress
    }

    /// The progress so far.
    var progress: SpeedTestProgress {
        let elapsed = started.map { ContinuousClock.now - $0 } ?? .zero
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return SpeedTestProgress(direction: grant.direction, bytes: bytes, total: grant.bytes, elapsedMs: (ms * 1000).rounded() / 1000)
    }
}
