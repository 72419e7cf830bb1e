import Foundation

/// A raw TCP client that behaves like a slowloris: it connects and sends `bytes` one at a time,
/// `interval` apart (or nothing at all), and reports how long the server kept the connection open.
public enum SlowClient {
    /// Seconds until the server closed the connection, or `nil` if it was still open after `limit` seconds.
    /// An `interval` of 0 sends `bytes` at once.
    public static func secondsUntilClosed(host: String = "127.0.0.1", port: Int, trickle bytes: [UInt8], interval: Double,
                                          limit: Double) async throws -> Double? {
        // On a thread of its own, not on Swift's cooperative pool (see ``KeepAliveClient``).
        try await KeepAliveClient.onOwnThread {
            let fd = try KeepAliveClient.connectedSocket(host: host, port: port)
            defer { close(fd) }
            let start = Date()
            var next = 0
            while Date().timeIntervalSince(start) < limit {
                if next < bytes.count {
                    // An interval of 0 sends everything at once (a well-behaved client).
                    let count = interval == 0 ? bytes.count - next : 1
                    let sent = bytes[next..<next + count].withUnsafeBytes { send(fd, $0.baseAddress, count, Int32(MSG_NOSIGNAL)) }
                    if sent != count { return Date().timeIntervalSince(start) }
                    next += count
                }
                // Wait one interval for the server to close (a read of 0 bytes or an error; an answer is read and skipped).
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&entry, 1, Int32(max(interval, 0.05) * 1000)) == 1 {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = recv(fd, &buffer, buffer.count, 0)
                    if count <= 0 { return Date().timeIntervalSince(start) }
                }
            }
            return nil
        }
    }
}

/// A well-behaved client on one kept-alive connection, to watch the idle deadline after an answer.
public enum KeepAliveClient {
    /// What happened on the connection.
    public struct Outcome: Sendable {
        /// The first request got an answer.
        public var firstAnswered = false
        /// After `pause` seconds of silence the connection still carried a second request and its answer.
        public var secondAnswered = false
        /// Seconds from the second answer's first byte until the server closed the connection; `nil` if it was
        /// still open after the limit.
        public var closedAfter: Double?
        /// What went wrong, when something did.
        public var trace: [String] = []
    }

    /// Sends `request`, reads its answer, stays silent `pause` seconds, sends `request` again and
    /// reads its answer, then stays silent until the server closes the connection or `limit` seconds pass.
    public static func idle(host: String = "127.0.0.1", port: Int, request: [UInt8], pause: Double, limit: Double) async throws -> Outcome {
        // On a thread of its own: the client blocks while it waits for answers that the server
        // computes on Swift's cooperative pool, which has as few threads as the machine has cores.
        try await onOwnThread {
            let fd = try KeepAliveClient.connectedSocket(host: host, port: port)
            defer { close(fd) }
            var outcome = Outcome()
            outcome.firstAnswered = exchange(fd, request, trace: &outcome.trace) != nil
            guard outcome.firstAnswered else { return outcome }
            usleep(useconds_t(pause * 1_000_000))
            let second = exchange(fd, request, trace: &outcome.trace)
            outcome.secondAnswered = second != nil
            guard let answered = second else { return outcome }
            while Date().timeIntervalSince(answered) < limit {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&entry, 1, 50) == 1 {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    if recv(fd, &buffer, buffer.count, 0) <= 0 {
                        outcome.closedAfter = Date().timeIntervalSince(answered)
                        break
                    }
                }
            }
            return outcome
        }
    }

    /// A blocking TCP socket connected to `host`:`port`; the caller closes it.
    static func connectedSocket(host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw TestSetupError("connect to \(host):\(port) failed")
        }
        return fd
    }

    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// Sends `request` and reads an answer (a status line, then whatever follows within 100 ms);
    /// returns when its first byte arrived.
    static func exchange(_ fd: Int32, _ request: [UInt8], trace: inout [String]) -> Date? {
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, request.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { trace.append("sent \(sent) of \(request.count) bytes, errno \(errno)"); return nil }
        var first: Date?
        var received: [UInt8] = []
        var wait: Int32 = 5_000
        while true {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let polled = poll(&entry, 1, wait)
            guard polled == 1 else {
                if received.isEmpty { trace.append("no answer within \(wait) ms (poll \(polled))") }
                break
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { trace.append("closed after \(received.count) bytes (recv \(count), errno \(errno))"); return nil }
            if first == nil { first = Date() }
            received += buffer[0..<count]
            wait = 100
        }
        guard received.starts(with: Array("HTTP/1.1 ".utf8)) else {
            trace.append("not an answer: \(String(decoding: received.prefix(80), as: UTF8.self))")
            return nil
        }
        return first
    }
}
