import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OctoAuth
import OctoCore
import OctoMetrics
import OctoStore
import OctoTestSupport
import Prometheus
import Testing
@testable import OctoHTTP

extension MetricsIntegrationTests {
    @Suite struct MetricsRoutesTests {
        func token(_ stack: TestStack, _ email: String, role: PredefinedRole, provider: UUID) async throws -> String {
            try await stack.makeUser(email, role: role, provider: provider)
            return try await stack.auth.login(email: email, password: "correct horse battery", totpCode: nil, client: ClientInfo(ip: "127.0.0.1")).accessToken
        }

        @Test func routesServeOnlyTheCallersSeriesAndCheckPermissions() async throws {
            try await TestDatabase.with { stack in
                let a = try await MetricsFixture.make(stack, slug: "alpha")
                let b = try await MetricsFixture.make(stack, slug: "beta")
                let seriesA = try await a.series("ifHCInOctets", kind: .counter, labels: ["ifIndex": "1"])
                let seriesB = try await b.series("ifHCInOctets", kind: .counter, labels: ["ifIndex": "1"])
                let at = hourStart(stack.clock.now, minus: 1)
                try await withPipeline(stack.database, clock: stack.clock) { pipeline in
                    try await pipeline.submit([MetricSample(seriesId: seriesA.id, at: at, value: 10),
                                               MetricSample(seriesId: seriesB.id, at: at, value: 20)])
                }
                _ = try await a.maintenance().runOnce()
                let viewer = try await token(stack, "viewer@alpha.test", role: .viewer, provider: a.provider)
                let api = API(database: stack.database, auth: stack.auth, hub: RealtimeHub(), configuration: APIConfiguration(),
                              metrics: PrometheusCollectorRegistry(), metricsStore: MetricsStore(database: stack.database, clock: stack.clock))
                let app = Application(responder: EdgeResponder(inner: api.buildRouter().0.buildResponder()))
                try await app.test(.router) { client in
                    let headers: HTTPFields = [.authorization: "Bearer \(viewer)"]
                    let ids = "series=\(seriesA.id),\(seriesB.id)"
                    let latest = try await client.execute(uri: "/api/v1/metrics/latest?\(ids)", method: .get, headers: headers)
                    #expect(latest.status == .ok)
                    let values = try OctoJSON.decoder.decode([MetricsReader.Latest].self, from: Data(latest.body.readableBytesView))
                    #expect(values.map(\.seriesId) == [seriesA.id] && values.first?.value == 10)

                    let from = OctoJSON.formatDate(at.addingTimeInterval(-3600)), to = OctoJSON.formatDate(at.addingTimeInterval(3600))
                    let query = try await client.execute(uri: "/api/v1/metrics/query?\(ids)&from=\(from)&to=\(to)&step=300", method: .get, headers: headers)
                    #expect(query.status == .ok)
                    let chart = try OctoJSON.decoder.decode(MetricsReader.Result.self, from: Data(query.body.readableBytesView))
                    #expect(chart.series.map(\.series.id) == [seriesA.id] && chart.resolution == "5m")

                    let foreign = try await client.execute(uri: "/api/v1/metrics/p95?in=\(seriesB.id)&out=\(seriesB.id)&from=\(from)&to=\(to)",
                                                           method: .get, headers: headers)
                    #expect(foreign.status == .notFound)

                    // Viewers read but do not register series.
                    let body = ByteBuffer(string: #"{"device_id": "\#(a.device.uuidString)", "metric": "cpu", "kind": "gauge"}"#)
                    var jsonHeaders = headers
                    jsonHeaders[.contentType] = "application/json"
                    let register = try await client.execute(uri: "/api/v1/metrics/series", method: .post, headers: jsonHeaders, body: body)
                    #expect(register.status == .forbidden)
                    let anonymous = try await client.execute(uri: "/api/v1/metrics/latest?\(ids)", method: .get)
                    #expect(anonymous.status == .unauthorized)
                }
            }
        }
    }
}
