import Foundation
import Hummingbird
import Logging
import OctoCore

/// The outermost middleware: assigns the request id, logs with it, and turns every error into
/// `{"error": {"code", "message", "field"?}}` with the matching status.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        context.requestId = Self.requestId(from: request)
        context.logger[metadataKey: "request.id"] = .string(context.requestId)
        var response: Response
        do {
            // Jobs enqueued while answering carry the request id to the workers (RequestTrace).
            response = try await RequestTrace.$requestId.withValue(context.requestId) { try await next(request, context) }
        } catch {
            response = Self.response(for: error, context: context)
        }
        response.headers[.init("X-Request-Id")!] = context.requestId
        return response
    }

    /// A client's `X-Request-Id` when it is short and plain, otherwise a new UUID.
    static func requestId(from request: Request) -> String {
        if let given = request.headers[.init("X-Request-Id")!], (1...64).contains(given.count),
           given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            return given
        }
        return UUID().lowercased
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var field: String?
            var requestId: String
        }
        var error: Detail
    }

    static func response(for error: any Error, context: APIContext) -> Response {
        let failure: OctoError
        switch error {
        case let error as OctoError:
            failure = error
        case let error as HTTPError:
            failure = translate(error)
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            failure = OctoError(.payloadTooLarge, "request body is larger than \(context.maxBodySize) bytes")
        default:
            failure = OctoError(.internal, "internal error")
        }
        let status = status(of: failure.code, fallback: (error as? HTTPError)?.status)
        if failure.code == .internal || failure.code == .unavailable {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
        } else {
            context.logger.debug("request refused", metadata: ["error": "\(failure)"])
        }
        let body = Body(error: .init(code: failure.code.rawValue, message: failure.message, field: failure.field, requestId: context.requestId))
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter = failure.retryAfter { headers[.retryAfter] = String(retryAfter) }
        if failure.code == .unauthenticated { headers[.wwwAuthenticate] = "Bearer" }
        let data = (try? OctoJSON.encoder.encode(body)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func translate(_ error: HTTPError) -> OctoError {
        switch error.status {
        case .contentTooLarge: OctoError(.payloadTooLarge, "request body is too large")
        case .notFound: OctoError(.notFound, error.body ?? "no such endpoint")
        case .methodNotAllowed: OctoError(.invalidInput, "method not allowed")
        case .badRequest: OctoError(.invalidInput, error.body ?? "bad request")
        case .unauthorized: OctoError(.unauthenticated, error.body ?? "authentication required")
        default: OctoError(.internal, error.body ?? "internal error")
        }
    }

    static func status(of code: OctoError.Code, fallback: HTTPResponse.Status?) -> HTTPResponse.Status {
        switch code {
        case .invalidInput: fallback == .methodNotAllowed ? .methodNotAllowed : .badRequest
        case .unauthenticated, .totpRequired: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .throttled: .tooManyRequests
        case .payloadTooLarge: .contentTooLarge
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }
}
