import Foundation

/// Runs blocking socket work (poll, recvfrom, getaddrinfo) on a thread of its own, never on Swift's
/// cooperative pool, and hands the result back to async code.
enum BlockingThread {
    static func run<T: Sendable>(name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.name = name
            thread.start()
        }
    }
}
