import CPESimulator
import CWMP
import Foundation
import NIOHTTP1
import Synchronization

/// A storm: `cpes` simulated CPEs, `concurrency` of them in a session at any time, each session on a
/// keep-alive connection of its own from the CPE's own 127.x address, as fast as the box allows.
struct Storm {
    /// What the endpoint is expected to be.
    enum Target {
        /// The ACS: Inform → InformResponse, then empty POSTs answered (RPCs from the model) until 204.
        case acs
        /// The bare route: every POST → 204 (the same two requests, no CWMP behind them).
        case bare
    }

    /// What a storm measured.
    struct Result {
        var sessions: Int
        var seconds: Double
        /// Session times (connect → final 204), sorted, in seconds.
        var times: [Double]
        var errors: Int
        var firstErrors: [String]
        /// HTTP requests made.
        var requests: Int

        var perSecond: Double { Double(sessions) / max(seconds, 1e-9) }

        func percentile(_ p: Double) -> Double {
            times.isEmpty ? 0 : times[min(times.count - 1, max(0, Int((Double(times.count) * p / 100).rounded(.up)) - 1))]
        }
    }

    let endpoint: URL
    let target: Target
    let models: [DataModel]
    /// HTTP Basic `Authorization` value.
    let authorization: String
    let concurrency: Int
    /// Events of every Inform.
    let events: [InformEvent]
    /// CPE numbers: CPE `k` runs model `k % models.count` with serial suffix `k / models.count`
    /// (the same derivation as ``Seed``).
    let cpes: Range<Int>

    /// The simulated CPE number `k`.
    static func cpe(_ k: Int, models: [DataModel]) -> SimulatedCPE {
        SimulatedCPE(model: models[k % models.count], index: k / models.count, connectionRequestURL: "http://\(sourceAddress(k)):7547/")
    }

    /// CPE `k`'s own loopback address (127.16.0.1 and up; the whole 127/8 is loopback on Linux).
    static func sourceAddress(_ k: Int) -> String {
        let n = k + 1
        return "127.\(16 + (n >> 16) & 0x7F).\((n >> 8) & 0xFF).\(n & 0xFF)"
    }

    func run() async -> Result {
        let next = Tickets(first: cpes.lowerBound)
        let connection = StormConnection(host: endpoint.host ?? "127.0.0.1", port: endpoint.port ?? 80, path: endpoint.path)
        let started = ContinuousClock.now
        let partials = await withTaskGroup(of: Result.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var partial = Result(sessions: 0, seconds: 0, times: [], errors: 0, firstErrors: [], requests: 0)
                    while true {
                        let k = next.take()
                        guard k < cpes.upperBound else { break }
                        let start = ContinuousClock.now
                        do {
                            partial.requests += try await session(k, connection)
                            partial.times.append(Self.seconds(ContinuousClock.now - start))
                            partial.sessions += 1
                        } catch {
                            partial.errors += 1
                            if partial.firstErrors.count < 3 { partial.firstErrors.append("CPE \(k): \(error)") }
                        }
                    }
                    return partial
                }
            }
            var all: [Result] = []
            for await partial in group { all.append(partial) }
            return all
        }
        var result = Result(sessions: 0, seconds: Self.seconds(ContinuousClock.now - started), times: [], errors: 0, firstErrors: [], requests: 0)
        for partial in partials {
            result.sessions += partial.sessions
            result.times += partial.times
            result.errors += partial.errors
            result.requests += partial.requests
            result.firstErrors += partial.firstErrors.prefix(max(0, 5 - result.firstErrors.count))
        }
        result.times.sort()
        return result
    }

    /// One session of CPE `k`; returns the number of HTTP requests it took.
    func session(_ k: Int, _ connection: StormConnection) async throws -> Int {
        var cpe = Self.cpe(k, models: models)
        cpe.pendingEvents = events
        let inform = CWMPEncoder().encode(Envelope(version: .v1_0, id: "1", message: CPEMessage.inform(cpe.inform(currentTime: XSD.format(Date())))))
        return try await connection.with(source: Self.sourceAddress(k)) { send in
            var headers = [("Content-Type", "text/xml; charset=\"utf-8\""), ("Authorization", authorization)]
            var requests = 1
            let answer = try await send(headers, Array(inform.utf8))
            switch target {
            case .bare:
                guard answer.status == 204 else { throw StormConnection.Failure(description: "bare route answered \(answer.status)") }
            case .acs:
                guard answer.status == 200, answer.body.count > 0 else {
                    throw StormConnection.Failure(description: "Inform answered \(answer.status): \(String(decoding: answer.body.prefix(200), as: UTF8.self))")
                }
                guard case .informResponse = try CWMPDecoder().decodeACS(answer.body).message else {
                    throw StormConnection.Failure(description: "Inform was not answered with InformResponse")
                }
                guard let cookie = answer.headers.first(name: "Set-Cookie")?.split(separator: ";").first else {
                    throw StormConnection.Failure(description: "no session cookie")
                }
                headers.append(("Cookie", String(cookie)))
            }
            var outgoing: [UInt8] = []
            while true {
                requests += 1
                let answer = try await send(headers, outgoing)
                if answer.status == 204 { return requests }
                guard target == .acs, answer.status == 200 else {
                    throw StormConnection.Failure(description: "POST answered \(answer.status): \(String(decoding: answer.body.prefix(200), as: UTF8.self))")
                }
                let envelope = try CWMPDecoder().decodeACS(answer.body)
                let reply = cpe.answer(envelope.message)
                outgoing = Array(CWMPEncoder().encode(Envelope(version: envelope.version, id: envelope.id, message: reply)).utf8)
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Hands out CPE numbers to the concurrent sessions of a storm.
final class Tickets: Sendable {
    let next: Atomic<Int>

    init(first: Int) { next = Atomic(first) }

    /// The next CPE number.
    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}
