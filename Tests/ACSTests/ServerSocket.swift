import Foundation
import Synchronization

/// A TCP socket on a loopback address that accepts connections into its backlog and never answers: a
/// device that hangs on its connection-request URL, or a service the ACS must never reach.
struct ServerSocket: Sendable {
    let descriptor: Int32
    let port: Int

    static func silent(host: String = "127.0.0.1") async throws -> ServerSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSocketError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else {
            _ = Glibc.close(fd)
            throw TestSocketError("bind/listen failed")
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return ServerSocket(descriptor: fd, port: Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Whether a connection is waiting in the backlog (someone connected).
    var wasContacted: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLIN) != 0
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}

/// A connection-request endpoint that challenges with Basic only and records what it received: the
/// ACS must not send the password there.
final class BasicChallenger: Sendable {
    let socket: ServerSocket
    let requests = Mutex<[String]>([])

    init(host: String) async throws {
        socket = try await ServerSocket.silent(host: host)
        let fd = socket.descriptor
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                var received = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !String(decoding: received, as: UTF8.self).contains("\r\n\r\n") {
                    let count = read(client, &buffer, buffer.count)
                    guard count > 0 else { break }
                    received += buffer[0..<count]
                }
                requests.withLock { $0.append(String(decoding: received, as: UTF8.self)) }
                let answer = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"cpe\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                _ = answer.withCString { write(client, $0, strlen($0)) }
                _ = Glibc.close(client)
            }
        }
    }

    var received: [String] { requests.withLock { $0 } }

    func close() { socket.close() }
}

struct TestSocketError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
