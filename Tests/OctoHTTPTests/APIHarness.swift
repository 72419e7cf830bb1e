import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OctoAuth
import OctoCore
import OctoHTTP
import OctoJobs
import OctoStore
import OctoTestSupport
import Prometheus

/// A decoded API answer.
struct APIResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: JSONValue?

    subscript(key: String) -> JSONValue? {
        guard case .object(let object) = json else { return nil }
        return object[key]
    }

    /// `error.code` of an error body.
    var errorCode: String? {
        guard case .object(let error) = self["error"], case .string(let code) = error["code"] else { return nil }
        return code
    }

    /// `error.field` of an error body.
    var errorField: String? {
        guard case .object(let error) = self["error"], case .string(let field) = error["field"] else { return nil }
        return field
    }

    /// The `items` of a page.
    var items: [JSONValue] {
        guard case .array(let items) = self["items"] else { return [] }
        return items
    }

    /// A string field.
    func string(_ key: String) -> String? {
        guard case .string(let value) = self[key] else { return nil }
        return value
    }
}

extension JSONValue {
    /// A string field of an object.
    func string(_ key: String) -> String? {
        guard case .object(let object) = self, case .string(let value) = object[key] else { return nil }
        return value
    }
}

/// A running API on a test database, with a client.
struct APIHarness: Sendable {
    let stack: TestStack
    let client: any TestClientProtocol

    /// Starts the API on a free port over a fresh database and runs `body`. `jobs` gives the API its
    /// job queue (none by default).
    static func with(configure: @Sendable (inout APIConfiguration) -> Void = { _ in },
                     jobs: @Sendable (TestStack) throws -> (any JobQueue)? = { _ in nil },
                     secrets: SecretBox? = nil,
                     hub: RealtimeHub = RealtimeHub(),
                     hasher: PasswordHasher? = nil,
                     startup: StartupGate = StartupGate(),
                     _ body: @Sendable @escaping (APIHarness) async throws -> Void) async throws {
        try await TestDatabase.with { stack in
            var configuration = APIConfiguration()
            configuration.port = 0
            configure(&configuration)
            // The server's own authentication when the test brings its hasher; users made through the
            // stack still sign in through it (same database).
            var auth = stack.auth
            if let hasher {
                auth = AuthService(database: stack.database, hasher: hasher,
                                   tokens: try await AccessTokens(secret: "test-secret-that-is-long-enough-0123456789", clock: stack.clock),
                                   secrets: try SecretBox(keyring: SecretBox.generateKeyring()))
            }
            let api = API(database: stack.database, auth: auth, hub: hub, configuration: configuration,
                          metrics: PrometheusCollectorRegistry(), jobs: try jobs(stack), secrets: secrets, startup: startup)
            var logger = Logger(label: "api-test")
            logger.logLevel = .warning
            let listener = EventListener(url: stack.appURL, logger: logger) { event in hub.deliver(event) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run() }
                try await api.application(logger: logger).test(.live) { client in
                    try await body(APIHarness(stack: stack, client: client))
                }
                group.cancelAll()
            }
        }
    }

    /// Sends a request; `body` is encoded with the platform's JSON conventions unless it is raw text.
    func call(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, provider: UUID? = nil,
              json: String? = nil, headers extra: HTTPFields = [:]) async throws -> APIResponse {
        var headers = extra
        if let token { headers[.authorization] = token.hasPrefix("oik_") ? "ApiKey \(token)" : "Bearer \(token)" }
        if let provider { headers[HTTPField.Name("X-Provider-Id")!] = provider.lowercased }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: path, method: method, headers: headers,
                                                body: json.map { ByteBuffer(string: $0) })
        let data = Data(response.body.readableBytesView)
        let decoded = data.isEmpty ? nil : try? OctoJSON.decoder.decode(JSONValue.self, from: data)
        return APIResponse(status: response.status, headers: response.headers, json: decoded)
    }

    /// Signs in and returns the access token.
    func login(_ email: String, password: String = "correct horse battery") async throws -> String {
        let response = try await call(.post, "/api/v1/auth/login", json: #"{"email": "\#(email)", "password": "\#(password)"}"#)
        guard response.status == .ok, let token = response.string("access_token") else {
            throw TestSetupError("login of \(email) failed: \(response.status) \(String(describing: response.json))")
        }
        return token
    }
}
