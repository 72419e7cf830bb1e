#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking IPv4 ICMP socket (Glibc), used by ``ICMPPinger`` on its own thread.
struct ICMPSocket {
    let descriptor: Int32
    let kind: ICMPSocketKind

    /// Opens the first kind that the kernel allows; throws ``ICMPError`` naming every refusal.
    init(trying kinds: [ICMPSocketKind]) throws {
        var refusals: [String: String] = [:]
        var denied = true
        for kind in kinds {
            #if canImport(Glibc)
            let type = kind == .raw ? Int32(SOCK_RAW.rawValue) : Int32(SOCK_DGRAM.rawValue)
            #else
            let type = kind == .raw ? SOCK_RAW : SOCK_DGRAM
            #endif
            let descriptor = socket(AF_INET, type, Int32(IPPROTO_ICMP))
            if descriptor >= 0 {
                var size: Int32 = 1 << 20
                _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
                self.descriptor = descriptor
                self.kind = kind
                return
            }
            let code = errno
            if code != EACCES && code != EPERM { denied = false }
            refusals[kind.rawValue] = String(cString: strerror(code))
        }
        if denied {
            throw ICMPError(.permissionDenied, "no ICMP socket allowed: ping sockets need the group in net.ipv4.ping_group_range, raw sockets need CAP_NET_RAW",
                            context: refusals)
        }
        throw ICMPError(.socketFailed, "no ICMP socket could be opened", context: refusals)
    }

    /// Sends one message; `false` when the kernel refused (no route, no neighbour, …).
    func send(_ bytes: [UInt8], to target: IPv4Address) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: target.value.bigEndian)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, bytes, bytes.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return sent == bytes.count
    }

    /// Waits until a message can be read, at most `milliseconds` (0 only checks).
    func wait(milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    /// Reads one waiting message without blocking: its source address (host order) and bytes.
    func receive(into buffer: inout [UInt8]) -> (UInt32, ArraySlice<UInt8>)? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &length)
                }
            }
        }
        guard count > 0 else { return nil }
        return (UInt32(bigEndian: address.sin_addr.s_addr), buffer[0..<count])
    }

    /// Sets the time-to-live of the datagrams sent from now on.
    func setTTL(_ ttl: Int) {
        var value = Int32(ttl)
        _ = setsockopt(descriptor, Int32(IPPROTO_IP), IP_TTL, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    func close() {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }
}
