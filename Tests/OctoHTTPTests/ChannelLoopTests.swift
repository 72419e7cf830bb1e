import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
@testable import OctoHTTP
import Testing

/// A connection served on its channel's event loop (the CWMP endpoint's setting) stays there: after
/// a suspension resumed from another thread (a timer here, a database reply in the ACS) the handler
/// runs on the connection's own loop again.
struct ChannelLoopTests {
    /// A context that keeps the request's channel.
    struct LoopContext: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            channel = source.channel
        }
    }

    /// How many of `requests` requests ran on their connection's loop after a sleep.
    static func onLoopAfterASleep(onChannelLoop: Bool, requests: Int) async throws -> Int {
        let router = Router(context: LoopContext.self)
        router.get("/where") { _, context -> String in
            try await Task.sleep(for: .milliseconds(2))
            return context.channel.eventLoop.inEventLoop ? "on" : "off"
        }
        let server: HTTPServerBuilder = .deadlines(ConnectionDeadlines(), onChannelLoop: onChannelLoop) { responder in
            HTTP1Channel(responder: responder, configuration: .init())
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: Logger(label: "channel-loop"))
        return try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                try await app.runService()
                return -1
            }
            var port = 0
            for await bound in ports { port = bound; break }
            var onLoop = 0
            for _ in 0..<requests {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/where")!)
                request.timeoutInterval = 5
                let (data, _) = try await URLSession.shared.data(for: request)
                if String(decoding: data, as: UTF8.self) == "on" { onLoop += 1 }
            }
            group.cancelAll()
            return onLoop
        }
    }

    @Test func aConnectionServedOnItsLoopComesBackToItAfterASuspension() async throws {
        #expect(try await Self.onLoopAfterASleep(onChannelLoop: true, requests: 20) == 20)
    }
}
