import Foundation
import NetTools
import OctoTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Ping and port scans against sockets this test opens on loopback addresses.
@Suite struct LoopbackTests {
    @Test func continuousPingReportsEveryProbeAndStops() async throws {
        let target = IPv4Address(loopbackAddress(88))!
        let probes = Probes()
        let stats = try await ContinuousPing(PingRequest(target: target.description, count: 4, intervalMs: 200, timeoutMs: 500))
            .run(to: target) { probes.append($0) }
        #expect(stats.sent == 4 && stats.received == 4 && stats.lossPercent == 0)
        #expect(probes.values.map(\.sequence) == [1, 2, 3, 4])
        #expect(stats.minMs! <= stats.avgMs! && stats.avgMs! <= stats.maxMs! && stats.mdevMs! >= 0 && stats.jitterMs! >= 0)
        // Probes leave once per interval: never before their slot (a loaded machine may make one late).
        let sentAt = probes.values.map(\.sentAtMs)
        #expect(sentAt.enumerated().allSatisfy { $0.element >= Double($0.offset) * 200 - 1 } && sentAt.last! < 2000, "\(sentAt)")
    }

    @Test func cancellingAPingStopsIt() async throws {
        let target = IPv4Address(loopbackAddress(88))!
        let cancellation = ToolCancellation()
        let probes = Probes()
        let started = ContinuousClock.now
        let stats = try await ContinuousPing(PingRequest(target: target.description, count: 100, intervalMs: 200, timeoutMs: 500))
            .run(to: target, cancellation: cancellation) { probe in
                probes.append(probe)
                if probe.sequence == 3 { cancellation.cancel() }
            }
        #expect(stats.sent >= 3 && stats.sent <= 5)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func tcpScanTellsOpenFromClosedAndGuessesServices() async throws {
        let host = loopbackAddress(66)
        let listeners = try [80, 7547].map { try Listener(host: host, port: UInt16($0), type: SOCK_STREAM) }
        defer { listeners.forEach { $0.close() } }
        let found = Ports()
        let summary = try await PortScanner(PortScanRequest(target: host, ports: "60-100,7540-7550", concurrency: 16, timeoutMs: 1000))
            .run(to: IPv4Address(host)!) { found.append($0) }
        #expect(summary.ports.map(\.port) == [80, 7547])
        #expect(summary.ports.allSatisfy { $0.state == .open })
        #expect(summary.ports.map(\.service) == ["http", "cwmp"])
        #expect(summary.scanned == 52 && summary.open == 2 && summary.closed == 50 && summary.filtered == 0)
        #expect(Set(found.values.map(\.port)) == [80, 7547])
    }

    @Test func udpScanReadsThePortUnreachable() async throws {
        let host = loopbackAddress(67)
        let echo = try Listener(host: host, port: 5353, type: SOCK_DGRAM)
        defer { echo.close() }
        echo.echoDatagrams()
        let summary = try await PortScanner(PortScanRequest(target: host, transport: .udp, ports: "5353-5355", concurrency: 8,
                                                            ratePerSecond: 100, timeoutMs: 500, retries: 0))
            .run(to: IPv4Address(host)!) { _ in }
        #expect(summary.ports.map(\.port) == [5353])
        #expect(summary.ports.first?.state == .open)
        #expect(summary.ports.first?.service == "mdns")
        #expect(summary.closed == 2)
    }

    @Test func portListsParseAndRefuseNonsense() throws {
        #expect(try PortScanRequest.parsePorts("80, 22,20-23,22") == [20, 21, 22, 23, 80])
        #expect(try PortScanRequest.parsePorts("1-65535").count == 65535)
        for bad in ["", "0", "80-70", "65536", "a", "1-2-3", "22,,80"] {
            #expect(throws: NetToolError.self) { try PortScanRequest.parsePorts(bad) }
        }
        do {
            try PortScanRequest(target: "127.1.1.1", ports: "99999").validate()
            Issue.record("accepted")
        } catch { #expect(error.field == "ports") }
    }
}

final class Ports: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [PortResult] = []
    func append(_ port: PortResult) { lock.withLock { items.append(port) } }
    var values: [PortResult] { lock.withLock { items } }
}

/// A listening TCP socket or a bound UDP socket on a loopback address.
final class Listener: @unchecked Sendable {
    let descriptor: Int32

    init(host: String, port: UInt16, type: __socket_type) throws {
        descriptor = socket(AF_INET, Int32(type.rawValue), 0)
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, host, &address.sin_addr)
        address.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, type == SOCK_DGRAM || listen(descriptor, 128) == 0 else {
            Glibc.close(descriptor)
            throw TestSetupError("cannot listen on \(host):\(port): \(String(cString: strerror(errno)))")
        }
    }

    /// Answers every datagram with itself, on a thread of its own, until closed.
    func echoDatagrams() {
        let descriptor = self.descriptor
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 2048)
            var peer = sockaddr_storage()
            while true {
                var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = withUnsafeMutablePointer(to: &peer) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, &buffer, buffer.count, 0, $0, &length) }
                }
                guard count >= 0 else { return }
                _ = withUnsafePointer(to: &peer) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(descriptor, buffer, max(count, 1), 0, $0, length) }
                }
            }
        }
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
    }
}
