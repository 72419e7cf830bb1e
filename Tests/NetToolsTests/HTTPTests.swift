import Foundation
import NetTools
import OctoTestSupport
import Testing

/// The HTTP/HTTPS test against Debian's nginx with a certificate this test makes.
@Suite(.serialized) struct HTTPTests {
    final class Server: Sendable {
        let process: ChildProcess
        let directory: String
        let httpPort: UInt16
        let httpsPort: UInt16
        let bodySize = 12_345
        let days = 42

        init() async throws {
            let nginx = "/usr/sbin/nginx"
            guard FileManager.default.isExecutableFile(atPath: nginx) else { throw TestSetupError("nginx is not installed (scripts/setup.sh installs it)") }
            directory = NSTemporaryDirectory() + "octoisp-nginx-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory + "/www", withIntermediateDirectories: true)
            try await ChildProcess.shell("""
                openssl req -x509 -newkey rsa:2048 -nodes -keyout \(directory)/key.pem -out \(directory)/cert.pem -days \(days) \
                  -subj "/CN=tools.test/O=OctoISP Test" 2>/dev/null
                """)
            try Data(repeating: 0x61, count: bodySize).write(to: URL(fileURLWithPath: directory + "/www/index.html"))
            httpPort = try freePort()
            httpsPort = try freePort()
            let d = directory
            let config = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(d)/nginx.pid;
            error_log \(d)/error.log;
            events { worker_connections 64; }
            http {
              access_log off;
              client_body_temp_path \(d)/body; proxy_temp_path \(d)/proxy; fastcgi_temp_path \(d)/fastcgi;
              uwsgi_temp_path \(d)/uwsgi; scgi_temp_path \(d)/scgi;
              server {
                listen 127.0.0.1:\(httpPort);
                location / { return 302 https://127.0.0.1:\(httpsPort)/old; }
              }
              server {
                listen 127.0.0.1:\(httpsPort) ssl;
                ssl_certificate \(d)/cert.pem;
                ssl_certificate_key \(d)/key.pem;
                ssl_protocols TLSv1.2 TLSv1.3;
                root \(d)/www;
                add_header X-Octo tools-test always;
                location = /old { return 301 /index.html; }
              }
            }
            """
            try config.write(toFile: d + "/nginx.conf", atomically: true, encoding: .utf8)
            process = try ChildProcess.start([nginx, "-e", d + "/error.log", "-p", d, "-c", d + "/nginx.conf"])
            for _ in 0..<100 {
                let probe = HTTPProbe(HTTPTestRequest(url: "http://127.0.0.1:\(httpPort)/", followRedirects: false, timeoutMs: 500))
                if try await probe.run().status == 302 { return }
                if process.poll() != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let log = (try? String(contentsOfFile: d + "/error.log", encoding: .utf8)) ?? ""
            throw TestSetupError("nginx did not start: \(process.errors()) \(log)")
        }

        func stop() async {
            process.send(SIGTERM)
            _ = await process.termination(within: .seconds(5))
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func followsRedirectsToHTTPSAndReadsTheCertificate() async throws {
        let server = try await Server()
        do {
            let result = try await HTTPProbe(HTTPTestRequest(url: "http://127.0.0.1:\(server.httpPort)/start", verifyTLS: false)).run()
            #expect(result.error == nil)
            #expect(result.status == 200 && result.httpVersion == "HTTP/1.1")
            #expect(result.url == "https://127.0.0.1:\(server.httpsPort)/index.html")
            #expect(result.redirects.map(\.status) == [302, 301])
            #expect(result.redirects.map(\.location) == ["https://127.0.0.1:\(server.httpsPort)/old", "https://127.0.0.1:\(server.httpsPort)/index.html"])
            #expect(result.bodyBytes == server.bodySize)
            #expect(result.headers.contains { $0.name.lowercased() == "x-octo" && $0.value == "tools-test" })
            #expect(result.headers.contains { $0.name.lowercased() == "content-length" && $0.value == "\(server.bodySize)" })
            #expect(result.remoteAddress == "127.0.0.1")
            let timing = result.timing
            #expect(timing.dnsMs == 0 && (timing.connectMs ?? -1) >= 0 && (timing.tlsMs ?? -1) > 0 && (timing.firstByteMs ?? -1) >= 0)
            #expect(timing.totalMs >= (timing.connectMs ?? 0) + (timing.tlsMs ?? 0))
            let tls = try #require(result.tls)
            #expect(tls.version == "TLSv1.3" && tls.verified == false)
            #expect(tls.subject == "CN=tools.test, O=OctoISP Test" && tls.issuer == tls.subject)
            #expect(tls.daysUntilExpiry == server.days - 1 || tls.daysUntilExpiry == server.days)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func anUntrustedCertificateFailsAtTheTLSStage() async throws {
        let server = try await Server()
        let result = try await HTTPProbe(HTTPTestRequest(url: "https://127.0.0.1:\(server.httpsPort)/index.html")).run()
        await server.stop()
        #expect(result.failedAt == "tls" && result.status == nil)
        #expect(result.error?.isEmpty == false)
    }

    @Test func aClosedPortFailsAtTheConnectStage() async throws {
        let port = try freePort()
        let result = try await HTTPProbe(HTTPTestRequest(url: "http://127.0.0.1:\(port)/", timeoutMs: 1000)).run()
        #expect(result.failedAt == "connect")
    }

    @Test func theGuardRefusesBeforeConnecting() async throws {
        let probe = HTTPProbe(HTTPTestRequest(url: "http://127.0.0.1:1/"), addressCheck: { address in
            throw NetToolError(.targetRefused, "\(address) is denied", field: "url")
        })
        let result = try await probe.run()
        #expect(result.failedAt == "guard" && result.error?.contains("127.0.0.1 is denied") == true)
    }

    @Test(arguments: ["ftp://x.test/", "http://", "not a url", "http://bad host/"])
    func malformedURLsNameTheField(url: String) {
        do {
            try HTTPTestRequest(url: url).validate()
            Issue.record("accepted \(url)")
        } catch { #expect(error.field == "url") }
    }
}
