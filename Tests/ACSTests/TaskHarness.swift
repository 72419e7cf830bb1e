import ACS
import CPEReach
import CPESimulator
import CWMP
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
import PostgresNIO
import Prometheus
import Synchronization
import ToolRuns

/// The ACS, the API, a job worker and a realtime listener over one fresh database: what device tasks,
/// connection requests and downloads need end to end.
struct TaskHarness: Sendable {
    static let connectionRequestPassword = "cr-secret-456"
    static let nocEmail = "noc@acme.test"

    let stack: TestStack
    let provider: Provider
    let engine: ACSEngine
    let cwmpPort: Int
    let client: any TestClientProtocol
    let token: String
    let requester: ConnectionRequester
    /// The registry the API serves at /metrics, which the requester counts into.
    let metrics: PrometheusCollectorRegistry
    /// The bearer token /metrics asks for on the API port.
    static let metricsToken = "task-harness-metrics-token"
    let xmpp: XMPPConnector
    let secrets: SecretBox
    let files: FileStore
    let events: Events

    /// Realtime events seen on NOTIFY.
    final class Events: Sendable {
        let items = Mutex<[RealtimeEvent]>([])
        func append(_ event: RealtimeEvent) { items.withLock { $0.append(event) } }
        var all: [RealtimeEvent] { items.withLock { $0 } }
    }

    var acsURL: URL { URL(string: "http://127.0.0.1:\(cwmpPort)/cwmp/\(provider.slug)")! }

    static func with(configuration: ACSConfiguration = ACSConfiguration(), worker: Bool = true,
                     _ body: @Sendable @escaping (TaskHarness) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("octoisp-files-\(UUID().lowercased)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await TestDatabase.with { stack in
            let provider = try await stack.makeProvider("acme")
            let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
            try await stack.database.withTenant(provider.id) { tx in
                try await tx.cwmpCredentials.create(username: "cpe", password: ACSHarness.password, realm: configuration.realm, by: .system)
                try await tx.connectionRequestCredentials.set(username: "acs", password: connectionRequestPassword, device: nil,
                                                              secrets: secrets, by: .system)
            }
            try await stack.makeUser(nocEmail, role: .noc, provider: provider.id)
            var logger = Logger(label: "acs-task-test")
            logger.logLevel = .warning
            var quiet = logger
            quiet.logLevel = .critical
            let engine = ACSEngine(database: stack.database, configuration: configuration, clock: stack.clock, logger: logger)
            let files = FileStore(directory: directory, maximumBytes: 4 << 20)
            let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: logger)
            let xmpp = XMPPConnector(logger: logger)
            // What the API serves at /metrics; the requester counts into it as a served process's does.
            let metrics = PrometheusCollectorRegistry()
            let requester = ConnectionRequester(database: stack.database, secrets: secrets, settings: configuration.connectionRequest,
                                                clock: stack.clock, logger: logger, xmpp: xmpp,
                                                metrics: PrometheusMetricsFactory(registry: metrics))
            var handlers = JobHandlers()
            handlers.registerConnectionRequests(requester)
            let jobWorker = JobWorker(queue: queue, handlers: handlers,
                                      configuration: .init(includeDedicated: false, concurrency: 2, pollInterval: .milliseconds(50)),
                                      clock: stack.clock, logger: quiet)
            var apiConfiguration = APIConfiguration()
            apiConfiguration.port = 0
            apiConfiguration.metricsToken = metricsToken
            let api = API(database: stack.database, auth: stack.auth, hub: RealtimeHub(), configuration: apiConfiguration,
                          metrics: metrics, jobs: queue,
                          deviceTasks: DeviceTaskService(queue: queue, taskTimeout: configuration.taskTimeout), files: files,
                          secrets: secrets, cwmpRealm: configuration.realm,
                          toolRuns: ToolRunService(queue: queue, cpe: CPEToolDiagnostics(tasks: DeviceTaskService(queue: queue,
                                                                                                              taskTimeout: configuration.taskTimeout))))
            let events = Events()
            let listener = EventListener(url: stack.appURL, logger: quiet) { event in events.append(event) }
            let server = CWMPServer(engine: engine, host: "127.0.0.1", port: 0, maximumBodyBytes: configuration.maximumBodyBytes, files: files)
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let cwmpApp = try server.application(logger: quiet) { port in portContinuation.yield(port) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await cwmpApp.runService() }
                group.addTask { try await listener.run() }
                if worker { group.addTask { try await jobWorker.run() } }
                var bound = 0
                for await port in ports {
                    bound = port
                    break
                }
                let cwmpPort = bound
                try await api.application(logger: quiet).test(.live) { client in
                    let login = try await Self.call(client, .post, "/api/v1/auth/login",
                                                    json: #"{"email": "\#(nocEmail)", "password": "correct horse battery"}"#)
                    guard login.status == .ok, let token = login.string("access_token") else {
                        throw TestSetupError("login failed: \(login.status) \(login.text)")
                    }
                    try await body(TaskHarness(stack: stack, provider: provider, engine: engine, cwmpPort: cwmpPort, client: client,
                                               token: token, requester: requester, metrics: metrics, xmpp: xmpp, secrets: secrets, files: files, events: events))
                }
                await xmpp.closeAll()
                group.cancelAll()
            }
        }
    }

    // MARK: Devices

    /// A simulated CPE from `model`; with `listening`, it has a connection-request listener on a random 127.2.x.y.
    /// `host` picks the listener's (and the sessions') address.
    func device(_ model: String = "device-H199Z.csv", index: Int = 0, mode: CPESessionRunner.AuthMode = .basic,
                listening: Bool = false, host: String? = nil) throws -> SimulatedDevice {
        let cpe = SimulatedCPE(model: try Fixtures.model(model), index: index)
        let runner = CPESessionRunner(acs: acsURL, username: "cpe", password: ACSHarness.password, mode: mode)
        let listener = listening
            ? ConnectionRequestListener(host: host ?? "127.2.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))", port: 0, username: "acs",
                                        password: Self.connectionRequestPassword)
            : nil
        return SimulatedDevice(cpe: cpe, runner: runner, listener: listener)
    }

    /// The id of the device with `serial`.
    func deviceID(serial: String) async throws -> UUID {
        let ids = try await stack.database.withTenant(provider.id) { tx in
            try await tx.query("SELECT id FROM devices WHERE serial_number = \(serial)").values(UUID.self)
        }
        guard let id = ids.first else { throw TestSetupError("no device \(serial)") }
        return id
    }

    /// Registers `device` with its first (BOOTSTRAP) session and returns its id.
    func register(_ device: SimulatedDevice) async throws -> UUID {
        try await device.runSession()
        return try await deviceID(serial: await device.cpe.model.identity.serialNumber)
    }

    // MARK: Tasks

    /// Queues a task through the API; fails the test unless it is created.
    func queue(_ json: String, device: UUID) async throws -> DeviceTask {
        let response = try await call(.post, "/api/v1/devices/\(device.lowercased)/tasks", json: json)
        guard response.status == .created else { throw TestSetupError("task not created: \(response.status) \(response.text)") }
        return try OctoJSON.decoder.decode(DeviceTask.self, from: Data(response.text.utf8))
    }

    /// A task as the API shows it.
    func task(_ id: UUID, device: UUID) async throws -> DeviceTask {
        let response = try await call(.get, "/api/v1/devices/\(device.lowercased)/tasks/\(id.lowercased)")
        guard response.status == .ok else { throw TestSetupError("task not readable: \(response.status) \(response.text)") }
        return try OctoJSON.decoder.decode(DeviceTask.self, from: Data(response.text.utf8))
    }

    /// Waits (up to `seconds`) until the task leaves `queued`/`running`, or has `status`.
    func wait(for id: UUID, device: UUID, status: DeviceTask.Status? = nil, seconds: Double = 15) async throws -> DeviceTask {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            let current = try await stack.database.withTenant(provider.id) { tx in try await tx.deviceTasks.get(id, device: device) }
            if let status, current.status == status { return current }
            if status == nil, current.status.isFinal { return current }
            if ContinuousClock.now > deadline { return current }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Rows of `table` under the provider (or `provider`).
    func count(_ table: String, provider: UUID? = nil) async throws -> Int {
        try await stack.database.withTenant(provider ?? self.provider.id) { tx in
            try await tx.query(PostgresQueryText.count(table)).values(Int.self).first ?? 0
        }
    }

    // MARK: HTTP

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer
        var text: String { String(buffer: body) }
        var json: JSONValue? { try? OctoJSON.decoder.decode(JSONValue.self, from: Data(body.readableBytesView)) }
        func string(_ key: String) -> String? { json?.string(key) }
        /// `error.field` of an error body.
        var errorField: String? {
            guard case .object(let object)? = json, case .object(let error)? = object["error"], case .string(let field)? = error["field"] else {
                return nil
            }
            return field
        }
    }

    func call(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, raw: [UInt8]? = nil, token: String? = nil) async throws -> Answer {
        try await Self.call(client, method, path, json: json, raw: raw, token: token ?? self.token)
    }

    static func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, json: String? = nil, raw: [UInt8]? = nil,
                     token: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        if raw != nil { headers[.contentType] = "application/octet-stream" }
        let body = json.map { ByteBuffer(string: $0) } ?? raw.map { ByteBuffer(bytes: $0) }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        return Answer(status: response.status, headers: response.headers, body: response.body)
    }
}

extension JSONValue {
    /// A string field of an object.
    func string(_ key: String) -> String? {
        guard case .object(let object) = self, case .string(let value)? = object[key] else { return nil }
        return value
    }

    /// A field of an object.
    subscript(_ key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }
}
