import CPESimulator
import CWMP
import Foundation
import NIOHTTP1
import OctoStore
import OctoTestSupport
import PostgresNIO
import Synchronization

/// The repository's root, for the committed nginx configuration and the fixtures beside it.
enum Repository {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func model(_ name: String) throws -> DataModel {
        let url = root.appendingPathComponent("../shared/fixtures/tr069/devices").appendingPathComponent(name).standardizedFileURL
        return try DataModel(csv: String(contentsOf: url, encoding: .utf8))
    }
}

/// nginx running the committed `deploy/nginx/<file>` with only its addresses (and certificate paths)
/// replaced by the test's free ports: what is tested is the file an operator installs.
struct NginxFront: Sendable {
    /// Where nginx runs (its rendered configuration, pid and logs).
    let directory: String
    let process: ChildProcess
    /// The CWMP listener (the file's `listen 7547`).
    let cwmpPort: Int
    /// The API listener (`listen 80`, or `listen 443 ssl` in the TLS variant).
    let apiPort: Int

    /// Renders `file` with the ACS processes on `acs` and the API processes on `api` (two each; the same
    /// port twice is one process) and starts nginx in the foreground.
    static func start(_ file: String = "octoisp.conf", acs: [Int], api: [Int], certificate: (cert: String, key: String)? = nil) async throws -> NginxFront {
        let nginx = ProcessInfo.processInfo.environment["OCTOISP_NGINX"] ?? "/usr/sbin/nginx"
        guard FileManager.default.isExecutableFile(atPath: nginx) else {
            throw TestSetupError("nginx is not installed at \(nginx) (scripts/setup.sh installs it)")
        }
        let directory = NSTemporaryDirectory() + "octoisp-nginx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        var text = try String(contentsOf: Repository.root.appendingPathComponent("deploy/nginx/\(file)"), encoding: .utf8)
        let cwmpPort = TestEnvironment.freeTCPPort()
        let apiPort = TestEnvironment.freeTCPPort()
        var substitutions = [
            ("listen 7547", "listen 127.0.0.1:\(cwmpPort)"),
            ("127.0.0.1:7601 ", "127.0.0.1:\(acs[0]) "), ("127.0.0.1:7602 ", "127.0.0.1:\(acs[1]) "),
            ("127.0.0.1:8081 ", "127.0.0.1:\(api[0]) "), ("127.0.0.1:8082 ", "127.0.0.1:\(api[1]) "),
        ]
        if let certificate {
            substitutions += [("listen 443 ssl", "listen 127.0.0.1:\(apiPort) ssl"), ("listen 80;", "listen 127.0.0.1:\(TestEnvironment.freeTCPPort());"),
                              ("/etc/octoisp/tls/fullchain.pem", certificate.cert), ("/etc/octoisp/tls/privkey.pem", certificate.key)]
        } else {
            substitutions.append(("listen 80;", "listen 127.0.0.1:\(apiPort);"))
        }
        for (from, to) in substitutions {
            guard text.contains(from) else { throw TestSetupError("deploy/nginx/\(file) has no `\(from)` to point at the test's processes") }
            text = text.replacingOccurrences(of: from, with: to)
        }
        try text.write(toFile: directory + "/octoisp.conf", atomically: true, encoding: .utf8)
        try """
            daemon off;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/logs/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                include \(directory)/octoisp.conf;
            }

            """.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let process = try ChildProcess.start([nginx, "-p", directory, "-c", directory + "/nginx.conf"])
        let front = NginxFront(directory: directory, process: process, cwmpPort: cwmpPort, apiPort: apiPort)
        for port in [cwmpPort, apiPort] { try await Self.waitForListener(port: port, process: process, what: "nginx") }
        return front
    }

    /// Waits until something accepts on `port` (or `process` ended).
    static func waitForListener(port: Int, process: ChildProcess, what: String) async throws {
        for _ in 0..<150 {
            if process.poll() != nil { throw TestSetupError("\(what) ended: \(process.errors().suffix(2000))") }
            if (try? await HTTPExchange.get(host: "127.0.0.1", port: port, path: "/")) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("\(what) does not listen on \(port): \(process.errors().suffix(2000))")
    }

    /// nginx's error log (what it said about failed upstreams).
    func errors() -> String { (try? String(contentsOfFile: directory + "/logs/error.log", encoding: .utf8)) ?? "" }

    /// Stops nginx and removes its directory.
    func stop() async {
        process.send(SIGQUIT)
        if await process.termination(within: .seconds(5)) == nil {
            process.send(SIGKILL)
            _ = await process.termination()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// `octoisp serve --roles …` processes over a test's database.
enum Instances {
    /// The environment of every process: the test database, keys, short leases so the work of a killed
    /// process comes back within the test, and nginx on 127.0.0.1 as the trusted proxy unless `trusted`
    /// is false.
    static func environment(_ stack: TestStack, secretKey: String, trusted: Bool = true) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = stack.appURL.connectionString
        environment["OCTOISP_GLOBAL_DATABASE_URL"] = stack.globalURL.connectionString
        environment["OCTOISP_SECRET_KEY"] = secretKey
        environment["OCTOISP_JWT_SECRET"] = "scale-out-test-secret-0123456789abcdef"
        environment["OCTOISP_BCRYPT_COST"] = "4"
        environment["OCTOISP_CWMP_IDLE_TIMEOUT"] = "5"
        environment["OCTOISP_JOB_LEASE"] = "4"
        environment["OCTOISP_ICMP"] = "off"
        environment["OCTOISP_LOG_LEVEL"] = "warning"
        environment["OCTOISP_CWMP_DEVICE_CREDENTIALS"] = "off"
        environment["OCTOISP_TRUSTED_PROXIES"] = trusted ? "127.0.0.1/32" : nil
        for name in ["REDIS_URL", "OCTOISP_OWNER_DATABASE_URL", "OCTOISP_TLS_CERT", "OCTOISP_TLS_KEY", "OCTOISP_CWMP_TLS_CERT", "OCTOISP_CWMP_TLS_KEY",
                     "OCTOISP_METRICS_LISTEN", "OCTOISP_ADMIN_EMAIL", "OCTOISP_ADMIN_PASSWORD"] {
            environment[name] = nil
        }
        return environment
    }

    /// Starts `octoisp serve --roles api` on `port` and waits for `/ready`.
    static func api(_ environment: [String: String], port: Int) async throws -> ChildProcess {
        var environment = environment
        environment["OCTOISP_HTTP_PORT"] = String(port)
        let process = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--roles", "api"], environment: environment)
        for _ in 0..<200 {
            if process.poll() != nil { throw TestSetupError("the API process ended: \(process.errors().suffix(2000))") }
            if let answer = try? await HTTPExchange.get(host: "127.0.0.1", port: port, path: "/ready"), answer.status == 200 { return process }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("the API process did not become ready: \(process.errors().suffix(2000))")
    }

    /// Starts `octoisp serve --roles acs` with its CWMP endpoint on `port` and waits until it listens.
    static func acs(_ environment: [String: String], port: Int) async throws -> ChildProcess {
        var environment = environment
        environment["OCTOISP_CWMP_PORT"] = String(port)
        environment["OCTOISP_CWMP_HOST"] = "127.0.0.1"
        let process = try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--roles", "acs"], environment: environment)
        try await NginxFront.waitForListener(port: port, process: process, what: "the ACS process")
        return process
    }

    /// Starts `octoisp serve --roles worker`.
    static func worker(_ environment: [String: String]) throws -> ChildProcess {
        try ChildProcess.start([try TestEnvironment.octoispBinary(), "serve", "--roles", "worker"], environment: environment)
    }

    /// SIGTERM, then SIGKILL after 10 s.
    static func stop(_ processes: [ChildProcess]) async {
        for process in processes { process.send(SIGTERM) }
        for process in processes where await process.termination(within: .seconds(10)) == nil {
            process.send(SIGKILL)
            _ = await process.termination()
        }
    }
}

/// One HTTP request to the API through nginx.
enum Through {
    /// `method` `path` to `port` from `source`; the status and the JSON object answered (empty when none).
    static func call(_ method: HTTPMethod, port: Int, _ path: String, token: String? = nil, json: String? = nil, source: String? = nil,
                     headers extra: [(String, String)] = []) async throws -> (Int, [String: Any]) {
        var headers = extra
        if json != nil { headers.append(("Content-Type", "application/json")) }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let answer = try await HTTPExchange.request(method, host: "127.0.0.1", port: port, path: path, headers: headers,
                                                    body: Array((json ?? "").utf8), source: source)
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any] ?? [:]
        return (answer.status, object)
    }

    /// Signs in; the access token.
    static func login(port: Int, email: String, source: String? = nil, headers: [(String, String)] = []) async throws -> String {
        let (status, body) = try await call(.POST, port: port, "/api/v1/auth/login", json: #"{"email": "\#(email)", "password": "correct horse battery"}"#,
                                            source: source, headers: headers)
        guard status == 200, let token = body["access_token"] as? String else { throw TestSetupError("sign-in answered \(status): \(body)") }
        return token
    }

    /// The address the audit log recorded for the last sign-in of `email`.
    static func auditedAddress(_ stack: TestStack, provider: UUID, email: String) async throws -> String? {
        try await stack.database.withTenant(provider) { tx in
            try await tx.query("SELECT coalesce(host(ip), '') FROM audit_log WHERE action = 'auth.login' AND actor_label = \(email) ORDER BY seq DESC LIMIT 1")
                .values(String.self).first
        }
    }
}
