import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn` and reaped with `waitpid`; the tests' only way to run
/// programs (Foundation's `Process` is not used).
///
/// The child gets `/dev/null` as input, files as standard output and error, and
/// none of the test process's other file descriptors. A daemon it leaves behind (`pg_ctl start`, a Redis
/// restart) would otherwise hold the test's PostgreSQL and Redis sockets open after the test closed
/// them, so those servers would never see the connections end. Waiting polls `waitpid(WNOHANG)` from
/// async code, so no thread of Swift's small cooperative pool ever blocks on a child.
public final class ChildProcess: Sendable {
    /// How a child ended.
    public enum Termination: Equatable, Sendable, CustomStringConvertible {
        /// It called `exit` with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    /// The result of ``run(_:environment:)``.
    public struct Run: Sendable {
        /// How it ended.
        public let termination: Termination
        /// Standard output.
        public let output: String
        /// Standard error.
        public let errors: String
        /// Both, output first (for messages that may go to either).
        public var text: String { output + errors }
        /// Whether it exited with status 0.
        public var succeeded: Bool { termination == .exited(0) }
        /// The exit status, or 128 + the signal, as a shell reports it.
        public var status: Int32 {
            switch termination {
            case .exited(let status): status
            case .signalled(let signal): 128 + signal
            }
        }
    }

    /// The child's process id.
    public let pid: pid_t
    private let logPath: String
    private let errorPath: String
    private let reaped = Mutex<Termination?>(nil)

    private init(pid: pid_t, logPath: String, errorPath: String) {
        self.pid = pid
        self.logPath = logPath
        self.errorPath = errorPath
    }

    deinit {
        if reaped.withLock({ $0 }) == nil { kill(pid, SIGKILL); _ = waitpid(pid, nil, 0) }
        try? FileManager.default.removeItem(atPath: logPath)
        try? FileManager.default.removeItem(atPath: errorPath)
    }

    /// Starts `arguments` (the first is an absolute path) with `environment` (the test process's own
    /// when `nil`).
    public static func start(_ arguments: [String], environment: [String: String]? = nil) throws -> ChildProcess {
        let logPath = NSTemporaryDirectory() + "octoisp-child-\(UUID().uuidString).out"
        let errorPath = String(logPath.dropLast(4)) + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard closeFrom(&actions, 3) == 0 else { throw TestSetupError("posix_spawn_file_actions_addclosefrom_np failed") }
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = environment.map { $0.map { "\($0.key)=\($0.value)" } }
        let envp: [UnsafeMutablePointer<CChar>?]? = variables.map { $0.map { strdup($0) } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid: pid_t = 0
        let spawned = envp.map { envp in envp.withUnsafeBufferPointer { posix_spawn(&pid, arguments[0], &actions, nil, argv, $0.baseAddress) } }
            ?? posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw TestSetupError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))")
        }
        return ChildProcess(pid: pid, logPath: logPath, errorPath: errorPath)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the Glibc module does not export.
    private static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Runs `arguments` to completion.
    public static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> Run {
        let child = try start(arguments, environment: environment)
        let termination = await child.termination()
        return Run(termination: termination, output: child.output(), errors: child.errors())
    }

    /// Runs the `octoisp` executable that `make test` built with `arguments`.
    public static func octoisp(_ arguments: [String], environment: [String: String]? = nil) async throws -> Run {
        try await run([try TestEnvironment.octoispBinary()] + arguments, environment: environment)
    }

    /// Runs `command` with `/bin/bash -c` and returns its output; throws with the output when it fails.
    @discardableResult
    public static func shell(_ command: String) async throws -> String {
        let run = try await run(["/bin/bash", "-c", command])
        guard run.succeeded else { throw TestSetupError("\(command) failed (\(run.termination)): \(run.text)") }
        return run.output
    }

    /// Sends `signal` unless the child has been reaped.
    public func send(_ signal: Int32) {
        reaped.withLock { if $0 == nil { _ = kill(pid, signal) } }
    }

    /// How the child ended, reaping it if it just did; `nil` while it runs.
    public func poll() -> Termination? {
        reaped.withLock { reaped in
            if let reaped { return reaped }
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, WNOHANG) } while result == -1 && errno == EINTR
            guard result == pid else { return nil }
            reaped = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
            return reaped
        }
    }

    /// Waits for the child to end.
    public func termination() async -> Termination {
        while true {
            if let termination = poll() { return termination }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits at most `limit` for the child to end.
    public func termination(within limit: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let termination = poll() { return termination }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return poll()
    }

    /// What the child wrote to standard output so far.
    public func output() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// What the child wrote to standard error so far.
    public func errors() -> String {
        (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
    }
}
