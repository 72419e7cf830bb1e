import Foundation
import Hummingbird
import OctoCore
import Synchronization

/// Registers routes under `/api/v1` and remembers them, so the OpenAPI document and the contract tests
/// can be checked against what the server really serves.
///
/// Each route declares its query parameters and what body it takes once, here; the table refuses
/// anything else before the handler runs (400 `invalid_input` naming the parameter or field), so no
/// handler can forget to. JSON bodies are decoded strictly by ``APIRequestDecoder``.
/// A served endpoint as the route table declares it: the contract the OpenAPI document and the
/// contract tests are checked against.
public struct APIEndpoint: Hashable, Sendable {
    /// What a route accepts as its body.
    public enum Body: String, Hashable, Sendable {
        /// A JSON document, decoded by the handler through ``APIRequestDecoder``.
        case json
        /// Nothing: a non-empty body (other than `{}`) is refused, naming its first field.
        case none
        /// Raw bytes the handler streams (file uploads).
        case raw
    }
    /// `get`, `post`, …
    public var method: String
    /// The path in OpenAPI syntax (`/api/v1/devices/{id}`).
    public var path: String
    /// Every query parameter the route accepts (paging and `sort` included), sorted.
    public var query: [String] = []
    /// Whether it answers a ``Page`` and takes `limit`/`offset`.
    public var paged = false
    /// The keys `sort=` accepts (empty: no `sort`).
    public var sort: [String] = []
    /// What body it takes.
    public var body: Body = .none
}

struct RouteTable {
    typealias Body = APIEndpoint.Body
    typealias Entry = APIEndpoint

    /// `limit` and `offset`.
    static let paging = ["limit", "offset"]

    let group: RouterGroup<APIContext>
    private(set) var entries: [Entry] = []
    /// The GET routes registered so far, parameters written `{}`; read at request time, when every
    /// route is registered.
    let readable = ReadableRoutes()

    init(group: RouterGroup<APIContext>) {
        self.group = group
    }

    /// Registers `handler` for `method path`. `query` lists the accepted query parameters; `paged` adds
    /// `limit` and `offset`; `sort` the columns of `sort=`; `body` defaults to JSON for POST, PUT and
    /// PATCH and to none otherwise.
    mutating func on(_ method: HTTPRequest.Method, _ path: String, query: [String] = [], paged: Bool = false, sort: [String] = [],
                     body: Body? = nil,
                     _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        let openAPIPath = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        let body = body ?? ([.post, .put, .patch].contains(method) ? .json : .none)
        let allowed = query + (paged ? Self.paging : []) + (sort.isEmpty ? [] : ["sort"])
        entries.append(Entry(method: method.rawValue.lowercased(), path: "/api/v1/" + openAPIPath, query: allowed.sorted(),
                             paged: paged, sort: sort, body: body))
        let allowedSet = Set(allowed)
        let template = Self.normalized("/api/v1/" + openAPIPath)
        let readable = readable
        if method == .get { readable.insert(template) }
        group.on(RouterPath(path), method: method) { request, context in
            try Self.checkQuery(request, allowed: allowedSet)
            if body == .none { try await Self.refuseBody(request, context) }
            var context = context
            if method == .post, readable.contains(template + "/{}") {
                context.locationBase = request.uri.path.split(separator: "/", omittingEmptySubsequences: false)
                    .map { UUID(uuidString: String($0))?.lowercased ?? String($0) }.joined(separator: "/")
            }
            // Answered here, with this context: Hummingbird would build the response with its own copy.
            return try await handler(request, context).response(from: request, context: context)
        }
    }

    mutating func get(_ path: String, query: [String] = [], paged: Bool = false, sort: [String] = [],
                      _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.get, path, query: query, paged: paged, sort: sort, handler)
    }
    mutating func post(_ path: String, query: [String] = [], body: Body = .json,
                       _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.post, path, query: query, body: body, handler)
    }
    mutating func put(_ path: String, _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.put, path, handler)
    }
    mutating func patch(_ path: String, _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.patch, path, handler)
    }
    mutating func delete(_ path: String, _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.delete, path, handler)
    }

    /// `/api/v1/devices/{id}/tasks/{taskId}` → `/api/v1/devices/{}/tasks/{}`.
    static func normalized(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
    }

    /// 400 naming the first query parameter the route does not declare.
    static func checkQuery(_ request: Request, allowed: Set<String>) throws(OctoError) {
        // PostgreSQL text cannot hold U+0000: a parameter carrying one is refused here, named.
        if let bad = request.uri.queryParameters.first(where: { $0.key.contains("\u{0}") || $0.value.contains("\u{0}") }) {
            let name = String(bad.key).replacingOccurrences(of: "\u{0}", with: "")
            throw OctoError.invalid(name, "query parameter '\(name)' must not contain U+0000")
        }
        let names = request.uri.queryParameters.map { String($0.key) }
        if let unknown = names.sorted().first(where: { !allowed.contains($0) }) {
            let accepted = allowed.isEmpty ? "none" : allowed.sorted().joined(separator: ", ")
            throw OctoError.invalid(unknown, "unknown query parameter '\(unknown)' (accepted: \(accepted))")
        }
    }

    /// A route without a body refuses one: an object names its first field, anything else is refused whole.
    static func refuseBody(_ request: Request, _ context: APIContext) async throws {
        let buffer = try await request.body.collect(upTo: context.maxBodySize)
        guard buffer.readableBytes > 0 else { return }
        let data = Data(buffer.readableBytesView)
        if let object = try? JSONDecoder().decode([String: JSONValue].self, from: data) {
            guard let first = object.keys.sorted().first else { return }
            throw OctoError.invalid(first, "unknown field '\(first)': this endpoint takes no request body")
        }
        throw OctoError(.invalidInput, "this endpoint takes no request body")
    }
}

/// The GET route templates of a ``RouteTable``, filled at registration and read by requests.
final class ReadableRoutes: Sendable {
    private let templates = Mutex<Set<String>>([])

    func insert(_ template: String) {
        templates.withLock { _ = $0.insert(template) }
    }

    func contains(_ template: String) -> Bool {
        templates.withLock { $0.contains(template) }
    }
}
