import Foundation
import Hummingbird
import Logging
import NIOCore
import OctoCore

/// The request context of the API: request id, client address and the authenticated principal.
public struct APIContext: RequestContext {
    /// Hummingbird's storage.
    public var coreContext: CoreRequestContextStorage
    /// Request id (from `X-Request-Id` when sane, else generated).
    public var requestId: String = ""
    /// The client's address: the peer's, or the forwarded client's behind a trusted proxy.
    public var clientIP: String?
    /// Whether a trusted proxy says the client spoke HTTPS to it (`X-Forwarded-Proto: https`).
    public var forwardedHTTPS = false
    /// Who is calling, once authenticated.
    public var principal: Principal?
    /// The body limit for this request.
    public var maxBodySize = 1 << 20
    /// For a POST whose created item can be read at `<path>/<id>`: that path, ids in lower case. A
    /// `201` ``JSONResponse`` of a value with an `id` then carries `Location: <path>/<id>`.
    public var locationBase: String?

    /// Creates the context for a new request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientIP = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies larger than this are refused with 413.
    public var maxUploadSize: Int { maxBodySize }

    /// JSON with the platform's conventions; decoding errors name the field.
    public var requestDecoder: APIRequestDecoder { APIRequestDecoder() }

    /// JSON with the platform's conventions.
    public var responseEncoder: JSONEncoder { OctoJSON.encoder }

    /// The authenticated principal, or 401.
    public func authenticated() throws(OctoError) -> Principal {
        guard let principal else { throw OctoError(.unauthenticated, "authentication required") }
        return principal
    }

    /// The principal if it holds `module.action`: 401 without credentials, 403 without the permission.
    @discardableResult
    public func require(_ module: PermissionModule, _ action: PermissionAction) throws(OctoError) -> Principal {
        let principal = try authenticated()
        try principal.require(Permission(module, action))
        return principal
    }

    /// The actor to record in the audit log.
    public func actor() throws(OctoError) -> Actor {
        Actor(try authenticated(), ip: clientIP, requestId: requestId)
    }
}

/// The one decoding path of every JSON body: strict (unknown fields, wrong types and malformed JSON
/// are 400 `invalid_input` naming the field), see ``StrictJSONDecoder``.
public struct APIRequestDecoder: RequestDecoder {
    /// Decodes the body of `request`.
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { throw OctoError(.invalidInput, "request body is empty; expected JSON") }
        return try StrictJSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
    }
}
