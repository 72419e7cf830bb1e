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
    /// The client's address.
    public var clientIP: String?
    /// Who is calling, once authenticated.
    public var principal: Principal?
    /// The body limit for this request.
    public var maxBodySize = 1 << 20

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

/// Decodes JSON bodies and turns decoding failures into 400s that name the field.
public struct APIRequestDecoder: RequestDecoder {
    /// Decodes the body of `request`.
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { throw OctoError(.invalidInput, "request body is empty; expected JSON") }
        do {
            return try OctoJSON.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Self.describe(error)
        }
    }

    /// A 400 naming the field and what was wrong with it.
    static func describe(_ error: DecodingError) -> OctoError {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? snake($0.stringValue) }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalid(field, "missing field '\(field)'")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return .invalid(field, "field '\(field)' has the wrong type")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return OctoError(.invalidInput, "request body is not valid JSON") }
            let field = path(context.codingPath)
            return .invalid(field, "invalid value for field '\(field)'")
        @unknown default:
            return OctoError(.invalidInput, "invalid request body")
        }
    }

    static func snake(_ key: String) -> String {
        var out = ""
        for character in key {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}
