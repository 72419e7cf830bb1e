import Foundation
import NetTools
import OctoTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Runs `work` on a thread that has joined the network namespace `name` (`ip netns`); sockets the
/// work opens live in that namespace. The thread ends with the work, so nothing else moves.
func inNamespace<T: Sendable>(_ name: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            let descriptor = open("/var/run/netns/\(name)", O_RDONLY)
            guard descriptor >= 0, joinNamespace(descriptor, 0x4000_0000 /* CLONE_NEWNET */) == 0 else {
                continuation.resume(throwing: TestSetupError("cannot join namespace \(name): \(String(cString: strerror(errno)))"))
                return
            }
            close(descriptor)
            continuation.resume(with: Result { try work() })
        }
        thread.start()
    }
}

/// glibc's `setns(2)`, which the Glibc module does not export.
private let joinNamespace: @convention(c) (Int32, Int32) -> Int32 = {
    guard let symbol = dlsym(nil, "setns") else { fatalError("setns is not available") }
    return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
}()

/// Three routed hops built from network namespaces and veth pairs:
///
///     src 198.18.1.1 ── 198.18.1.2 r1 198.18.2.1 ── 198.18.2.2 r2 198.18.3.1 ── 198.18.3.2 dst
///
/// A random drop on r2's interface toward r1 loses part of what r2 sends back (its own time-exceeded
/// messages and everything dst answers), so hop 1 is clean and hops 2 and 3 show the loss. The drop
/// is an nftables rule (`numgen random mod 100 < loss`) in r2's postrouting hook: this machine's
/// kernel has no `sch_netem` (CONFIG_NET_SCH_NETEM is not set), while nf_tables with numgen is built
/// in. ICMP rate limits are off in every namespace. Every name carries a random prefix; `with`
/// deletes the namespaces (and so the veths and rules) whether the body passed or failed.
struct PathLab: Sendable {
    let prefix: String
    var src: String { "\(prefix)-src" }
    var r1: String { "\(prefix)-r1" }
    var r2: String { "\(prefix)-r2" }
    var dst: String { "\(prefix)-dst" }
    var namespaces: [String] { [src, r1, r2, dst] }
    static let hops = ["198.18.1.2", "198.18.2.2", "198.18.3.2"]
    static let target = IPv4Address("198.18.3.2")!

    static func with<T: Sendable>(lossPercent: Int, _ body: (PathLab) async throws -> T) async throws -> T {
        let lab = PathLab(prefix: "nt" + String(UInt32.random(in: 0x10000...0xfffff), radix: 16))
        do {
            try await lab.build(lossPercent: lossPercent)
            let result = try await body(lab)
            await lab.destroy()
            return result
        } catch {
            await lab.destroy()
            throw error
        }
    }

    func build(lossPercent: Int) async throws {
        let p = prefix
        var script = ["set -e"]
        for ns in namespaces {
            script.append("ip netns add \(ns)")
            script.append("ip -n \(ns) link set lo up")
            script.append("ip netns exec \(ns) sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000")
        }
        let links = [("a", src, r1, "198.18.1.1", "198.18.1.2"), ("b", r1, r2, "198.18.2.1", "198.18.2.2"), ("c", r2, dst, "198.18.3.1", "198.18.3.2")]
        for (name, left, right, leftAddress, rightAddress) in links {
            script.append("ip link add \(p)-\(name)0 type veth peer name \(p)-\(name)1")
            script.append("ip link set \(p)-\(name)0 netns \(left)")
            script.append("ip link set \(p)-\(name)1 netns \(right)")
            script.append("ip -n \(left) addr add \(leftAddress)/24 dev \(p)-\(name)0")
            script.append("ip -n \(right) addr add \(rightAddress)/24 dev \(p)-\(name)1")
            script.append("ip -n \(left) link set \(p)-\(name)0 up")
            script.append("ip -n \(right) link set \(p)-\(name)1 up")
        }
        script += [
            "ip netns exec \(r1) sysctl -qw net.ipv4.ip_forward=1",
            "ip netns exec \(r2) sysctl -qw net.ipv4.ip_forward=1",
            "ip -n \(src) route add default via 198.18.1.2",
            "ip -n \(r1) route add 198.18.3.0/24 via 198.18.2.2",
            "ip -n \(r2) route add 198.18.1.0/24 via 198.18.2.1",
            "ip -n \(dst) route add default via 198.18.3.1",
        ]
        if lossPercent > 0 {
            script += [
                "ip netns exec \(r2) nft add table inet lossy",
                "ip netns exec \(r2) nft add chain inet lossy post '{ type filter hook postrouting priority 0; }'",
                "ip netns exec \(r2) nft add rule inet lossy post oifname \"\(p)-b1\" numgen random mod 100 '<' \(lossPercent) drop",
            ]
        }
        try await ChildProcess.shell(script.joined(separator: "\n"))
    }

    func destroy() async {
        for ns in namespaces { _ = try? await ChildProcess.run(["/usr/bin/ip", "netns", "delete", ns]) }
    }

    /// The MAC address of r1's interface toward src.
    func r1MAC() async throws -> String {
        try await ChildProcess.shell("ip -n \(r1) -br link show dev \(prefix)-a1 | awk '{print $3}'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A TCP port on 127.0.0.1 nothing listens on right now.
func freePort() throws -> UInt16 {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard ok else { throw TestSetupError("cannot find a free port") }
    return UInt16(bigEndian: address.sin_port)
}

/// A random loopback address 127.<a>.<b>.<c> inside 127.<a>.0.0/16, away from 127.0.0.0/24.
func loopbackAddress(_ second: UInt8) -> String {
    "127.\(second).\(UInt8.random(in: 1...250)).\(UInt8.random(in: 2...250))"
}
