import Foundation
import NIOCore
import NIOPosix

/// Sends a few copies of one datagram from an ephemeral UDP socket: what a UDP connection request needs.
enum UDPSend {
    /// Sends `datagram` `copies` times to `address`:`port`, `spacing` seconds apart.
    static func send(_ datagram: [UInt8], to address: String, port: Int, copies: Int, spacing: TimeInterval) async throws {
        let target = try SocketAddress(ipAddress: address, port: port)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: target.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
        do {
            for copy in 0..<copies {
                if copy > 0 { try await Task.sleep(for: .milliseconds(Int(spacing * 1000))) }
                try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: datagram)))
            }
        } catch {
            try? await channel.close()
            throw error
        }
        try? await channel.close()
    }
}
