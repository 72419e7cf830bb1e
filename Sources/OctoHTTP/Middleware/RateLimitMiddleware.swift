import Crypto
import Foundation
import Hummingbird
import OctoCore

/// 429 + Retry-After when a client address or a credential exceeds its token bucket (in this process,
/// or in Redis and shared by every API process when `REDIS_URL` is set).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let perAddress: any RateLimiter
    let perCredential: any RateLimiter

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        if let ip = context.clientIP, let wait = await perAddress.acquire("ip:\(ip)") {
            throw OctoError(.throttled, "too many requests from this address", retryAfter: wait)
        }
        if let credential = request.headers[.authorization] ?? request.headers[.init("X-API-Key")!] {
            let key = SHA256.hash(data: Data(credential.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
            if let wait = await perCredential.acquire("cred:\(key)") {
                throw OctoError(.throttled, "too many requests for this credential", retryAfter: wait)
            }
        }
        return try await next(request, context)
    }
}
