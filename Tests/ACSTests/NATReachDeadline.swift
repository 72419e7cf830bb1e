import Foundation
import Synchronization

/// Deadlines for the tests that run servers and simulated CPEs in task groups: a server that never
/// binds, a child that ignores cancellation or a process that never exits makes the test fail with a
/// message naming what it waited for, never hang the test run.
enum Deadline {
    /// The wait ended before what it waited for happened.
    struct Expired: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `body` and returns its result, or throws ``Expired`` after `seconds`. On expiry the body
    /// is cancelled and left behind, so whatever it still waits on cannot hold up the test run.
    static func run<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await body() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let once = Once(continuation)
                let timer = Task {
                    try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    if once.resume(with: .failure(Expired(description: "\(what) did not finish within \(seconds) s"))) { work.cancel() }
                }
                Task {
                    let result = await work.result
                    if once.resume(with: result) { timer.cancel() }
                }
            }
        } onCancel: {
            work.cancel()
        }
    }

    /// The first element of `stream`, or ``Expired`` when none comes within `seconds` or the stream
    /// ends first (a server that failed before it bound finishes its readiness stream).
    static func first<T: Sendable>(_ stream: AsyncStream<T>, within seconds: Double, _ what: String) async throws -> T {
        try await run(seconds, what) {
            for await value in stream { return value }
            throw Expired(description: "\(what): ended before it was ready")
        }
    }

    /// Resumes a continuation once, whoever comes first.
    final class Once<T: Sendable>: Sendable {
        let continuation: Mutex<CheckedContinuation<T, any Error>?>

        init(_ continuation: CheckedContinuation<T, any Error>) {
            self.continuation = Mutex(continuation)
        }

        /// Whether this call resumed it.
        func resume(with result: Result<T, any Error>) -> Bool {
            guard let continuation = continuation.withLock({ value in defer { value = nil }; return value }) else { return false }
            continuation.resume(with: result)
            return true
        }
    }
}
