import Foundation

/// A raw TCP client that behaves like a slowloris: it connects and sends `bytes` one at a time,
/// `interval` apart (or nothing at all), and reports how long the server kept the connection open.
public enum SlowClient {
    /// Seconds until the server closed the connection, or `nil` if it was still open after `limit` seconds.
    /// An `interval` of 0 sends `bytes` at once.
    public static func secondsUntilClosed(host: String = "127.0.0.1", port: Int, trickle bytes: [UInt8], interval: Double,
                                          limit: Double) async throws -> Double? {
        try await Task.detached {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestSetupError("socket() failed") }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr(host)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw TestSetupError("connect to \(host):\(port) failed") }
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
        }.value
    }
}
