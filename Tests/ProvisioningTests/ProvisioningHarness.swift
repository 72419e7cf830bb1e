import ACS
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

/// The ACS with provisioning, the API, a job worker (connection requests and provisioning jobs) and a
/// realtime listener over one fresh database. Simulated CPEs run their sessions when a test says so.
struct ProvisioningHarness: Sendable {
    static let cpePassword = "cpe-secret-123"
    static let nocEmail = "noc@acme.test"

    let stack: TestStack
    let provider: Provider
    let engine: ACSEngine
    let cwmpPort: Int
    let client: any TestClientProtocol
    let token: String
    let service: ProvisioningService
    let queue: PostgresJobQueue
    let events: Events

    /// Realtime events seen on NOTIFY.
    final class Events: Sendable {
        let items = Mutex<[RealtimeEvent]>([])
        func append(_ event: RealtimeEvent) { items.withLock { $0.append(event) } }
        var all: [RealtimeEvent] { items.withLock { $0 } }
    }

    var acsURL: URL { URL(string: "http://127.0.0.1:\(cwmpPort)/cwmp/\(provider.slug)")! }

    /// Runs `body` with a fresh stack; `secretKey: false` runs provisioning without a secret key (OCTOISP_SECRET_KEY unset);
    /// `resolver` replaces the bundled mappings.
    static func with(worker: Bool = true, secretKey: Bool = true, resolver: SettingsResolver = SettingsResolver(), _ body: @Sendable @escaping (ProvisioningHarness) async throws -> Void) async throws {
        try await TestDatabase.with { stack in
            let configuration = ACSConfiguration()
            let provider = try await stack.makeProvider("acme")
            let secrets = try SecretBox(keyring: SecretBox.generateKeyring())
            try await stack.database.withTenant(provider.id) { tx in
                try await tx.cwmpCredentials.create(username: "cpe", password: cpePassword, realm: configuration.realm, by: .system)
            }
            try await stack.makeUser(nocEmail, role: .noc, provider: provider.id)
            var logger = Logger(label: "provisioning-test")
            logger.logLevel = .warning
            var quiet = logger
            quiet.logLevel = .critical
            let queue = PostgresJobQueue(database: stack.database, clock: stack.clock, logger: logger)
            let tasks = DeviceTaskService(queue: queue, taskTimeout: configuration.taskTimeout)
            // Templates cached as `octoisp serve` caches them (the listener below drops them when they change).
            let service = ProvisioningService(tasks: tasks, secrets: secretKey ? secrets : nil, resolver: resolver, logger: logger,
                                              templateCacheSeconds: 300)
            let engine = ACSEngine(database: stack.database, configuration: configuration, clock: stack.clock, logger: logger, provisioning: service)
            let requester = ConnectionRequester(database: stack.database, secrets: secrets, settings: configuration.connectionRequest,
                                                clock: stack.clock, logger: quiet)
            var handlers = JobHandlers()
            handlers.registerConnectionRequests(requester)
            handlers.registerProvisioning(service, database: stack.database, clock: stack.clock)
            handlers.registerRollouts(service, database: stack.database)
            let jobWorker = JobWorker(queue: queue, handlers: handlers,
                                      configuration: .init(includeDedicated: false, concurrency: 2, pollInterval: .milliseconds(50)),
                                      clock: stack.clock, logger: quiet)
            var apiConfiguration = APIConfiguration()
            apiConfiguration.port = 0
            let api = API(database: stack.database, auth: stack.auth, hub: RealtimeHub(), configuration: apiConfiguration,
                          metrics: PrometheusCollectorRegistry(), jobs: queue, deviceTasks: tasks, provisioning: service)
            let events = Events()
            let listener = EventListener(url: stack.appURL, logger: quiet, invalidations: { engine.invalidate($0) }) { event in events.append(event) }
            let server = CWMPServer(engine: engine, host: "127.0.0.1", port: 0, maximumBodyBytes: configuration.maximumBodyBytes, files: nil)
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
                    guard login.status == .ok, let token = login.json?["access_token"]?.stringValue else {
                        throw TestSetupError("login failed: \(login.status) \(login.text)")
                    }
                    try await body(ProvisioningHarness(stack: stack, provider: provider, engine: engine, cwmpPort: cwmpPort, client: client,
                                                       token: token, service: service, queue: queue, events: events))
                }
                group.cancelAll()
            }
        }
    }

    // MARK: Devices

    /// A simulated CPE replaying fixture `model` (serial suffixed by `index`).
    func device(_ model: String = "device-H199Z.csv", index: Int = 0) throws -> SimulatedDevice {
        device(parsed: try Fixtures.model(model), index: index)
    }

    /// A simulated CPE replaying an already parsed model.
    func device(parsed model: DataModel, index: Int) -> SimulatedDevice {
        let runner = CPESessionRunner(acs: acsURL, username: "cpe", password: Self.cpePassword, mode: .basic)
        return SimulatedDevice(cpe: SimulatedCPE(model: model, index: index), runner: runner)
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

    /// The provisioning state of a device.
    func state(_ device: UUID) async throws -> DeviceProvisioning? {
        try await stack.database.withTenant(provider.id) { tx in try await tx.deviceProvisioning.get(device) }
    }

    /// Tasks of a device, oldest first.
    func tasks(_ device: UUID) async throws -> [DeviceTask] {
        try await stack.database.withTenant(provider.id) { tx in
            try await tx.deviceTasks.list(device: device, status: nil, page: try PageRequest(limit: 200, offset: 0)).items.reversed()
        }
    }

    /// Audit actions on `target` (a device or template id), oldest first.
    func auditActions(target: UUID) async throws -> [String] {
        try await stack.database.withTenant(provider.id) { tx in
            try await tx.query("SELECT action FROM audit_log WHERE target_id = \(target.lowercased) ORDER BY seq").values(String.self)
        }
    }

    /// Waits (up to `seconds`) until `condition` holds.
    func eventually(seconds: Double = 15, _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    // MARK: HTTP

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var body: ByteBuffer
        var text: String { String(buffer: body) }
        var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView)) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try OctoJSON.decoder.decode(T.self, from: Data(body.readableBytesView)) }
        /// `error.field` of an error body.
        var errorField: String? { json?["error"]?["field"]?.stringValue }
    }

    func call(_ method: HTTPRequest.Method, _ path: String, json: String? = nil) async throws -> Answer {
        try await Self.call(client, method, path, json: json, token: token)
    }

    static func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, json: String? = nil,
                     token: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return Answer(status: response.status, body: response.body)
    }
}

extension JSONValue {
    /// A field of an object.
    subscript(_ key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// The string, if this is one.
    var stringValue: String? {
        guard case .string(let value) = self else { return nil }
        return value
    }
}
