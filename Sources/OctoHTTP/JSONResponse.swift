import Foundation
import Hummingbird
import OctoCore

/// A JSON response with the platform's conventions and a status.
public struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    /// The body.
    public var value: Value
    /// The status (200 unless told).
    public var status: HTTPResponse.Status
    /// Whether the body holds credentials (tokens, a new API key, a TOTP secret): then no cache,
    /// browser or proxy, may keep it (`Cache-Control: no-store`).
    public var noStore = false

    /// Creates a response.
    public init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    /// The same response marked `Cache-Control: no-store` (and `Pragma: no-cache` for HTTP/1.0 caches).
    public func noStored() -> Self {
        var copy = self
        copy.noStore = true
        return copy
    }

    /// Encodes the body; a `201` of a value with an `id` gets its `Location` (see ``APIContext/locationBase``).
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try OctoJSON.encoder.encode(value, from: request, context: context)
        response.status = status
        if noStore {
            response.headers[.cacheControl] = "no-store"
            response.headers[.init("Pragma")!] = "no-cache"
        }
        if status == .created, let base = (context as? APIContext)?.locationBase,
           let id = Mirror(reflecting: value).children.first(where: { $0.label == "id" })?.value as? UUID {
            response.headers[.location] = base + "/" + id.lowercased
        }
        return response
    }
}

/// An empty `204 No Content`.
public struct NoContent: ResponseGenerator {
    /// Creates the response.
    public init() {}
    /// `204`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .noContent)
    }
}

extension Request {
    /// The query parameter as text, `nil` when absent or empty.
    func query(_ name: String) -> String? {
        guard let value = uri.queryParameters[Substring(name)], !value.isEmpty else { return nil }
        return String(value)
    }

    /// The query parameter as an integer; 400 when present but not one.
    func queryInt(_ name: String) throws(OctoError) -> Int? {
        guard let text = query(name) else { return nil }
        guard let value = Int(text) else { throw .invalid(name, "\(name) must be an integer") }
        return value
    }

    /// The query parameter as a UUID; 400 when present but not one.
    func queryUUID(_ name: String) throws(OctoError) -> UUID? {
        guard let text = query(name) else { return nil }
        guard let value = UUID(uuidString: text) else { throw .invalid(name, "\(name) must be a UUID") }
        return value
    }

    /// The query parameter as an ISO 8601 date; 400 when present but not one.
    func queryDate(_ name: String) throws(OctoError) -> Date? {
        guard let text = query(name) else { return nil }
        guard let value = OctoJSON.parseDate(text) else { throw .invalid(name, "\(name) must be an ISO 8601 date-time") }
        return value
    }

    /// The query parameter as a value of a string enum; 400 naming the allowed values otherwise.
    func queryEnum<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws(OctoError) -> E? where E.RawValue == String {
        guard let text = query(name) else { return nil }
        guard let value = E(rawValue: text) else {
            throw .invalid(name, "\(name) must be one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// The query parameter as a boolean (`true` or `false`); 400 otherwise.
    func queryBool(_ name: String) throws(OctoError) -> Bool? {
        guard let text = query(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw .invalid(name, "\(name) must be true or false")
        }
    }

    /// `limit` and `offset`.
    func page() throws(OctoError) -> PageRequest {
        try PageRequest(limit: try queryInt("limit"), offset: try queryInt("offset"))
    }
}

extension APIContext {
    /// A UUID path parameter; 400 when malformed.
    func uuid(_ name: String = "id") throws(OctoError) -> UUID {
        guard let text = parameters.get(name), let id = UUID(uuidString: text) else {
            throw .invalid(name, "\(name) must be a UUID")
        }
        return id
    }
}
