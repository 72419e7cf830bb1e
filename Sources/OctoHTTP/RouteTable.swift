import Hummingbird

/// Registers routes under `/api/v1` and remembers them, so the OpenAPI document can be checked
/// against what the server really serves.
struct RouteTable {
    /// A registered endpoint in OpenAPI path syntax (`/devices/{id}`).
    struct Entry: Hashable, Sendable {
        var method: String
        var path: String
    }

    let group: RouterGroup<APIContext>
    private(set) var entries: [Entry] = []

    init(group: RouterGroup<APIContext>) {
        self.group = group
    }

    mutating func on(_ method: HTTPRequest.Method, _ path: String,
                     _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        let openAPIPath = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        entries.append(Entry(method: method.rawValue.lowercased(), path: "/api/v1/" + openAPIPath))
        group.on(RouterPath(path), method: method, use: handler)
    }

    mutating func get(_ path: String, _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.get, path, handler)
    }
    mutating func post(_ path: String, _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.post, path, handler)
    }
    mutating func patch(_ path: String, _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.patch, path, handler)
    }
    mutating func delete(_ path: String, _ handler: @Sendable @escaping (Request, APIContext) async throws -> some ResponseGenerator) {
        on(.delete, path, handler)
    }
}
