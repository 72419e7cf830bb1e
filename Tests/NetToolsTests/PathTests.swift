import Foundation
import NetTools
import OctoTestSupport
import Testing

/// Traceroute, MTR, ping and the IP scan over real routed hops in network namespaces, with random loss
/// injected on the second hop (see ``PathLab``).
@Suite(.serialized) struct PathTests {
    @Test(arguments: TraceRequest.ProbeProtocol.allCases)
    func tracerouteSeesTheThreeHops(protocol probe: TraceRequest.ProbeProtocol) async throws {
        try await PathLab.with(lossPercent: 0) { lab in
            let request = TraceRequest(target: PathLab.target.description, protocol: probe, maxHops: 10, rounds: 3, timeoutMs: 1000)
            let reports = Reports()
            let report = try await inNamespace(lab.src) {
                try PathProber(request).runBlocking(to: PathLab.target, cancellation: ToolCancellation()) { reports.append($0) }
            }
            #expect(report.reachedDestination)
            #expect(report.hops.map(\.address) == PathLab.hops)
            #expect(report.hops.allSatisfy { $0.sent == 3 && $0.received == 3 && $0.lossPercent == 0 })
            #expect(report.hops.allSatisfy { ($0.bestMs ?? -1) >= 0 && $0.bestMs! <= $0.avgMs! && $0.avgMs! <= $0.worstMs! })
            #expect(reports.values.map(\.round) == [1, 2, 3])
        }
    }

    @Test func mtrShowsTheLossOfTheSecondHop() async throws {
        try await PathLab.with(lossPercent: 40) { lab in
            let rounds = 50
            let request = TraceRequest(target: PathLab.target.description, protocol: .icmp, maxHops: 8, rounds: rounds,
                                       intervalMs: 50, timeoutMs: 400)
            let reports = Reports()
            let report = try await inNamespace(lab.src) {
                try PathProber(request).runBlocking(to: PathLab.target, cancellation: ToolCancellation()) { reports.append($0) }
            }
            #expect(report.hops.map(\.address) == PathLab.hops)
            let (first, second, third) = (report.hops[0], report.hops[1], report.hops[2])
            #expect(first.sent == rounds && first.lossPercent == 0)
            // 40 % loss on 50 probes: outside 15…65 % happens with probability below 1e-4.
            for hop in [second, third] {
                #expect(hop.sent == rounds)
                #expect((15...65).contains(hop.lossPercent), "hop \(hop.hop) loss \(hop.lossPercent)")
                #expect(hop.samples.count == rounds && hop.samples.filter { $0 == nil }.count == rounds - hop.received)
            }
            #expect(first.received == rounds && first.samples.allSatisfy { $0 != nil })
            // Live: one report per round, the statistics growing.
            #expect(reports.values.count == rounds)
            #expect(reports.values.map(\.round) == Array(1...rounds))
        }
    }

    @Test func continuousPingCountsTheLoss() async throws {
        try await PathLab.with(lossPercent: 50) { lab in
            let request = PingRequest(target: PathLab.target.description, count: 30, intervalMs: 200, timeoutMs: 500)
            let probes = Probes()
            let stats = try await inNamespace(lab.src) {
                try ContinuousPing(request).runBlocking(to: PathLab.target, cancellation: ToolCancellation()) { probes.append($0) }
            }
            #expect(stats.sent == 30)
            #expect(probes.values.map(\.sequence) == Array(1...30))
            #expect(probes.values.filter { $0.rttMs != nil }.count == stats.received)
            // 50 % on 30 probes: outside 10…90 % has probability below 1e-5.
            #expect((10...90).contains(stats.lossPercent), "loss \(stats.lossPercent)")
        }
    }

    @Test func ipScanFindsTheNeighbourWithItsMAC() async throws {
        try await PathLab.with(lossPercent: 0) { lab in
            let request = IPScanRequest(cidr: "198.18.1.0/29", timeoutMs: 500, reverseDNS: false)
            let summary = try await inNamespace(lab.src) {
                try AddressSweep(request).runBlocking(cancellation: ToolCancellation()) { _ in }
            }
            #expect(summary.scanned == 6)
            #expect(summary.hosts.map(\.address) == ["198.18.1.1", "198.18.1.2"])
            let mac = try await lab.r1MAC()
            #expect(summary.hosts.first { $0.address == "198.18.1.2" }?.mac == mac)
        }
    }
}

final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [PathReport] = []
    func append(_ report: PathReport) { lock.withLock { items.append(report) } }
    var values: [PathReport] { lock.withLock { items } }
}

final class Probes: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [PingProbe] = []
    func append(_ probe: PingProbe) { lock.withLock { items.append(probe) } }
    var values: [PingProbe] { lock.withLock { items } }
}
