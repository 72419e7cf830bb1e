import Foundation
import NetTools
import OctoTestSupport
import Testing

/// The DNS wire client against Debian's dnsmasq serving a zone this test writes, and the IP scan's
/// reverse names from the same server.
@Suite(.serialized) struct DNSTests {
    /// dnsmasq on a free loopback port with the records of `example.test`.
    final class Server: Sendable {
        let process: ChildProcess
        let address: String
        let directory: String

        init(ptrAddress: String) async throws {
            let binary = "/usr/sbin/dnsmasq"
            guard FileManager.default.isExecutableFile(atPath: binary) else { throw TestSetupError("dnsmasq is not installed (scripts/setup.sh installs it)") }
            let port = try freePort()
            address = "127.0.0.1:\(port)"
            directory = NSTemporaryDirectory() + "octoisp-dns-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let reverse = ptrAddress.split(separator: ".").reversed().joined(separator: ".") + ".in-addr.arpa"
            let soa = hexName("ns1.example.test") + hexName("hostmaster.example.test")
                + [2026120501, 3600, 600, 86400, 300].map { String(format: "%08x", $0) }.joined()
            let caa = "00" + "05" + Array("issue".utf8).map { String(format: "%02x", $0) }.joined()
                + Array("ca.example.test".utf8).map { String(format: "%02x", $0) }.joined()
            let config = """
            port=\(port)
            listen-address=127.0.0.1
            bind-interfaces
            no-resolv
            no-hosts
            no-negcache
            local=/example.test/
            local=/127.in-addr.arpa/
            local-ttl=300
            host-record=www.example.test,127.10.0.1,fd00::10
            cname=alias.example.test,www.example.test
            mx-host=example.test,mail.example.test,10
            txt-record=example.test,"v=spf1 -all","second string"
            ptr-record=\(reverse),host5.example.test
            dns-rr=example.test,257,\(caa)
            dns-rr=example.test,2,\(hexName("ns1.example.test"))
            dns-rr=example.test,6,\(soa)
            """
            let path = directory + "/dnsmasq.conf"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            process = try ChildProcess.start([binary, "--keep-in-foreground", "--conf-file=\(path)", "--pid-file=\(directory)/pid", "--user=root"])
            // Ready when it answers.
            for _ in 0..<100 {
                if (try? await DNSClient().lookup(DNSLookupRequest(name: "www.example.test", server: address, timeoutMs: 200)))?.answers.isEmpty == false { return }
                if process.poll() != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw TestSetupError("dnsmasq did not start: \(process.errors())")
        }

        func stop() async {
            process.send(SIGTERM)
            _ = await process.termination(within: .seconds(5))
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func hexName(_ name: String) -> String {
        name.split(separator: ".").map { label in String(format: "%02x", label.utf8.count) + label.utf8.map { String(format: "%02x", $0) }.joined() }.joined() + "00"
    }

    @Test func answersEveryRecordType() async throws {
        let server = try await Server(ptrAddress: "127.10.0.5")
        do {
            let client = DNSClient()
            func ask(_ name: String, _ type: DNSRecordType) async throws -> DNSLookupResult {
                try await client.lookup(DNSLookupRequest(name: name, type: type, server: server.address))
            }
            let a = try await ask("www.example.test", .a)
            #expect(a.rcode == "NOERROR" && a.transport == "udp" && a.server == server.address)
            #expect(a.answers.map(\.data) == ["127.10.0.1"] && a.answers.first?.ttl == 300)
            #expect(a.queryTimeMs >= 0 && a.authenticData == false)
            #expect(try await ask("www.example.test", .aaaa).answers.map(\.data) == ["fd00::10"])
            let cname = try await ask("alias.example.test", .cname)
            #expect(cname.answers.first.map { [$0.type, $0.data] } == ["CNAME", "www.example.test."])
            #expect(try await ask("example.test", .mx).answers.map(\.data) == ["10 mail.example.test."])
            #expect(try await ask("example.test", .txt).answers.map(\.data) == ["\"v=spf1 -all\" \"second string\""])
            #expect(try await ask("example.test", .ns).answers.map(\.data) == ["ns1.example.test."])
            #expect(try await ask("example.test", .soa).answers.map(\.data)
                    == ["ns1.example.test. hostmaster.example.test. 2026120501 3600 600 86400 300"])
            #expect(try await ask("example.test", .caa).answers.map(\.data) == ["0 issue \"ca.example.test\""])
            let ptr = try await ask("127.10.0.5", .ptr)
            #expect(ptr.name == "5.0.10.127.in-addr.arpa" && ptr.answers.map(\.data) == ["host5.example.test."])
            // Over TCP from the start.
            let tcp = try await client.lookup(DNSLookupRequest(name: "www.example.test", type: .a, server: server.address, tcp: true))
            #expect(tcp.transport == "tcp" && tcp.answers.map(\.data) == ["127.10.0.1"])
            // A name the zone does not have.
            #expect(try await ask("nothing.example.test", .a).rcode == "NXDOMAIN")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func ipScanSweepsALoopbackRangeWithReverseNames() async throws {
        let base = "127.77.\(UInt8.random(in: 1...250))"
        let server = try await Server(ptrAddress: "\(base).5")
        do {
            let hosts = Hosts()
            let summary = try await AddressSweep(IPScanRequest(cidr: "\(base).0/28", timeoutMs: 1000, dnsServer: server.address)).run { hosts.append($0) }
            #expect(summary.scanned == 14)
            #expect(summary.hosts.map(\.address) == (1...14).map { "\(base).\($0)" })
            #expect(summary.hosts.first { $0.address == "\(base).5" }?.hostname == "host5.example.test.")
            #expect(summary.hosts.filter { $0.hostname != nil }.count == 1)
            #expect(hosts.values.count == 14)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

final class Hosts: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [HostResult] = []
    func append(_ host: HostResult) { lock.withLock { items.append(host) } }
    var values: [HostResult] { lock.withLock { items } }
}
