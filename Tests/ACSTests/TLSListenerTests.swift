import ACS
import CPESimulator
import Foundation
import NIOSSL
import OctoCore
import OctoHTTP
import OctoStore
import OctoTestSupport
import PostgresNIO
import Testing

/// `octoisp serve` with `OCTOISP_TLS_CERT` / `OCTOISP_TLS_KEY`: both listeners speak HTTPS with a
/// certificate the test signs with its own CA, plain HTTP to them fails, and a provider that asked
/// for it refuses Basic over plain HTTP (Digest over plain and Basic over TLS still work).
@Suite struct TLSListenerTests {
    /// A CA and a server certificate for 127.0.0.1 and localhost signed by it, a second key that
    /// belongs to no certificate, and a self-signed certificate no client trusts, in `directory`.
    static func makeCertificates(in directory: String) async throws {
        try await ChildProcess.shell("""
            set -e
            cd '\(directory)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 \
                -subj '/CN=OctoISP Test CA' -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj '/CN=localhost' 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nkeyUsage=digitalSignature\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out other.key 2>/dev/null
            openssl req -x509 -key other.key -out self-signed.pem -days 2 -subj '/CN=localhost' -addext 'subjectAltName=IP:127.0.0.1' 2>/dev/null
            """)
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "octoisp-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func environment(_ stack: TestStack, apiPort: Int, cwmpPort: Int) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = stack.appURL.connectionString
        environment["OCTOISP_GLOBAL_DATABASE_URL"] = stack.globalURL.connectionString
        environment["OCTOISP_OWNER_DATABASE_URL"] = stack.ownerURL.connectionString
        environment["OCTOISP_SECRET_KEY"] = SecretBox.generateKeyring()
        environment["OCTOISP_JWT_SECRET"] = "process-test-secret-0123456789abcdef"
        environment["OCTOISP_HTTP_PORT"] = String(apiPort)
        environment["OCTOISP_CWMP_PORT"] = String(cwmpPort)
        environment["OCTOISP_BCRYPT_COST"] = "4"
        environment["OCTOISP_ADMIN_EMAIL"] = "first@octoisp.test"
        environment["OCTOISP_ADMIN_PASSWORD"] = "first admin password"
        for name in ["OCTOISP_TLS_CERT", "OCTOISP_TLS_KEY", "OCTOISP_CWMP_TLS_CERT", "OCTOISP_CWMP_TLS_KEY"] { environment[name] = nil }
        return environment
    }

    /// Waits until `GET /ready` on the API answers 200 (over TLS with `tls`).
    static func waitReady(port: Int, tls: NIOSSLContext?) async throws {
        for _ in 0..<150 {
            if let answer = try? await HTTPExchange.get(host: "127.0.0.1", port: port, path: "/ready", tls: tls), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("the API did not become ready on port \(port)")
    }

    /// Waits until the CWMP port accepts connections (any answer, or a failed handshake, means up).
    static func waitListening(port: Int) async throws {
        for _ in 0..<150 {
            if (try? await ChildProcess.shell("exec 3<>/dev/tcp/127.0.0.1/\(port)")) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("nothing listens on port \(port)")
    }

    static func devices(_ stack: TestStack, _ provider: Provider) async throws -> Int {
        try await stack.database.withTenant(provider.id) { tx in
            try await tx.query("SELECT count(*)::int FROM devices").values(Int.self).first ?? 0
        }
    }

    static let cpePassword = "cpe-secret-123"

    @Test func bothListenersServeHTTPSAndAProviderCanRefuseBasicOverPlainHTTP() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.makeCertificates(in: directory)
        try await TestDatabase.with { stack in
            let strict = try await stack.makeProvider("tls-isp")
            let lenient = try await stack.makeProvider("open-isp")
            for provider in [strict, lenient] {
                _ = try await stack.database.withTenant(provider.id) { tx in
                    try await tx.cwmpCredentials.create(username: "cpe", password: Self.cpePassword, realm: ACSConfiguration().realm, by: .system)
                }
            }
            let apiPort = TestEnvironment.freeTCPPort()
            let cwmpPort = TestEnvironment.freeTCPPort()
            var environment = Self.environment(stack, apiPort: apiPort, cwmpPort: cwmpPort)
            environment["OCTOISP_TLS_CERT"] = "\(directory)/server.pem"
            environment["OCTOISP_TLS_KEY"] = "\(directory)/server.key"
            let trusted = try HTTPExchange.clientContext(caFile: "\(directory)/ca.pem")

            let secure = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--roles", "api,acs"], environment: environment)
            try await Self.waitReady(port: apiPort, tls: trusted)
            try await Self.waitListening(port: cwmpPort)

            // Plain HTTP to either TLS port gets no HTTP answer; nor does a client that does not trust the CA.
            for port in [apiPort, cwmpPort] {
                let plain = try? await HTTPExchange.get(host: "127.0.0.1", port: port, path: "/ready")
                #expect(plain == nil, "plain HTTP to TLS port \(port) was answered with \(plain?.status ?? 0)")
                let untrusted = try? await HTTPExchange.get(host: "127.0.0.1", port: port, path: "/ready",
                                                            tls: try HTTPExchange.clientContext(caFile: "\(directory)/self-signed.pem"))
                #expect(untrusted == nil, "a client trusting another CA completed a handshake on port \(port)")
            }

            // Sign in over TLS, then ask for TLS before Basic for one provider through the API.
            let login = try await HTTPExchange.post(host: "127.0.0.1", port: apiPort, path: "/api/v1/auth/login",
                                                    headers: [("Content-Type", "application/json")],
                                                    body: Array(#"{"email": "first@octoisp.test", "password": "first admin password"}"#.utf8), tls: trusted)
            #expect(login.status == 200, "\(String(decoding: login.body, as: UTF8.self))")
            let token = try #require((try JSONSerialization.jsonObject(with: Data(login.body)) as? [String: Any])?["access_token"] as? String)
            let patched = try await HTTPExchange.request(.PATCH, host: "127.0.0.1", port: apiPort, path: "/api/v1/providers/\(strict.id.lowercased)",
                                                         headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                                                         body: Array(#"{"cwmp_require_tls_for_basic": true}"#.utf8), tls: trusted)
            #expect(patched.status == 200, "\(String(decoding: patched.body, as: UTF8.self))")
            let provider = try JSONSerialization.jsonObject(with: Data(patched.body)) as? [String: Any]
            #expect(provider?["cwmp_require_tls_for_basic"] as? Bool == true)

            // A whole CWMP session with Basic over TLS, by `octoisp cpe-sim --ca-file`.
            let fixture = Fixtures.directory.appendingPathComponent("device-eg8145v5-no-voip.csv").path
            let sim = try await ChildProcess.octoisp(["cpe-sim", "--acs", "https://127.0.0.1:\(cwmpPort)/cwmp/tls-isp", "--model", fixture,
                                                      "--username", "cpe", "--password", Self.cpePassword, "--auth", "basic",
                                                      "--ca-file", "\(directory)/ca.pem"], environment: environment)
            #expect(sim.status == 0, "\(sim.text)")
            #expect(sim.text.contains("1 sessions"), "\(sim.text)")
            #expect(try await Self.devices(stack, strict) == 1)
            // Without the CA the simulator refuses the server's certificate.
            let distrustful = try await ChildProcess.octoisp(["cpe-sim", "--acs", "https://127.0.0.1:\(cwmpPort)/cwmp/tls-isp", "--model", fixture,
                                                              "--username", "cpe", "--password", Self.cpePassword, "--first-event", "boot"],
                                                             environment: environment)
            #expect(distrustful.status != 0, "\(distrustful.text)")

            secure.send(SIGTERM)
            #expect(await secure.termination(within: .seconds(10)) == .exited(0), "\(secure.errors())")

            // The same database served over plain HTTP.
            let plainAPI = TestEnvironment.freeTCPPort()
            let plainCWMP = TestEnvironment.freeTCPPort()
            let plainServer = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--roles", "api,acs", "--skip-migrations"],
                                                     environment: Self.environment(stack, apiPort: plainAPI, cwmpPort: plainCWMP))
            try await Self.waitReady(port: plainAPI, tls: nil)
            try await Self.waitListening(port: plainCWMP)
            let model = try Fixtures.model("device-eg8145v5-no-voip.csv")

            var refused = SimulatedCPE(model: model, index: 7)
            let basic = CPESessionRunner(acs: URL(string: "http://127.0.0.1:\(plainCWMP)/cwmp/tls-isp")!, username: "cpe", password: Self.cpePassword, mode: .basic)
            await #expect(throws: CPESessionRunner.Failure.self) { _ = try await basic.run(&refused) }
            do {
                _ = try await basic.run(&refused)
            } catch let failure as CPESessionRunner.Failure {
                #expect(failure.status == 401)
            }
            #expect(try await Self.devices(stack, strict) == 1)

            var digestCPE = SimulatedCPE(model: model, index: 8)
            let digest = CPESessionRunner(acs: URL(string: "http://127.0.0.1:\(plainCWMP)/cwmp/tls-isp")!, username: "cpe", password: Self.cpePassword, mode: .digest)
            _ = try await digest.run(&digestCPE)
            #expect(try await Self.devices(stack, strict) == 2)

            // A provider that did not ask still takes Basic over plain HTTP.
            var lenientCPE = SimulatedCPE(model: model, index: 9)
            let lenientRunner = CPESessionRunner(acs: URL(string: "http://127.0.0.1:\(plainCWMP)/cwmp/open-isp")!, username: "cpe", password: Self.cpePassword, mode: .basic)
            _ = try await lenientRunner.run(&lenientCPE)
            #expect(try await Self.devices(stack, lenient) == 1)

            plainServer.send(SIGTERM)
            #expect(await plainServer.termination(within: .seconds(10)) == .exited(0), "\(plainServer.errors())")
        }
    }

    @Test func aMissingHalfOrAKeyOfAnotherCertificateIsAClearStartError() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Self.makeCertificates(in: directory)
        #expect(try ListenerTLS.api(environment: [:]) == nil)
        #expect(throws: ListenerTLS.Failure.self) { try ListenerTLS.api(environment: ["OCTOISP_TLS_CERT": "\(directory)/server.pem"]) }
        do {
            _ = try ListenerTLS.api(environment: ["OCTOISP_TLS_CERT": "\(directory)/server.pem"])
        } catch let failure as ListenerTLS.Failure {
            #expect(failure.description.contains("OCTOISP_TLS_KEY"))
        }
        #expect(throws: ListenerTLS.Failure.self) {
            try ListenerTLS(certificatePath: "\(directory)/server.pem", keyPath: "\(directory)/other.key")
        }
        // The CWMP listener takes its own pair when given one, else the shared one.
        let shared = ["OCTOISP_TLS_CERT": "\(directory)/server.pem", "OCTOISP_TLS_KEY": "\(directory)/server.key"]
        #expect(try ListenerTLS.cwmp(environment: shared)?.certificatePath == "\(directory)/server.pem")
        let own = shared.merging(["OCTOISP_CWMP_TLS_CERT": "\(directory)/self-signed.pem", "OCTOISP_CWMP_TLS_KEY": "\(directory)/other.key"]) { $1 }
        #expect(try ListenerTLS.cwmp(environment: own)?.certificatePath == "\(directory)/self-signed.pem")
        #expect(try ListenerTLS.api(environment: own)?.certificatePath == "\(directory)/server.pem")

        // `octoisp serve` stops at start with that message instead of serving plain HTTP.
        let run = try await ChildProcess.octoisp(["serve", "--roles", "acs", "--skip-migrations"],
                                                 environment: ["OCTOISP_TLS_CERT": "\(directory)/server.pem", "OCTOISP_TLS_KEY": "\(directory)/other.key",
                                                               "DATABASE_URL": "postgres://u:p@127.0.0.1:1/x", "OCTOISP_GLOBAL_DATABASE_URL": "postgres://u:p@127.0.0.1:1/x",
                                                               "OCTOISP_SECRET_KEY": SecretBox.generateKeyring(),
                                                               "OCTOISP_JWT_SECRET": "process-test-secret-0123456789abcdef", "PATH": "/usr/bin:/bin"])
        #expect(run.status != 0)
        #expect(run.text.contains("does not fit the certificate"), "\(run.text)")
    }
}
