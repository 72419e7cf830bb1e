import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A small pool of pipelined Redis connections. Requests spread over the connections round-robin; a
/// closed connection is replaced on its next use, so the client recovers when the server restarts.
public final class RedisClient: Sendable {
    let url: RedisURL
    let group: any EventLoopGroup
    let logger: Logger
    private let slots: [Slot]
    private let next = Atomic<Int>(0)

    /// Creates a client with `connections` connections, opened lazily.
    public init(url: RedisURL, connections: Int = 4, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.url = url
        self.group = group
        self.logger = logger
        slots = (0..<max(1, connections)).map { _ in Slot() }
    }

    /// Sends one command and returns its reply; error replies are thrown.
    @discardableResult
    public func send(_ command: [RESPArgument]) async throws -> RESPValue {
        try await connection().send(command).throwingError()
    }

    /// Sends commands in one round trip; replies in order (error replies are returned, not thrown).
    public func pipeline(_ commands: [[RESPArgument]]) async throws -> [RESPValue] {
        try await connection().pipeline(commands)
    }

    /// Runs a Lua script by its digest, loading it with EVAL when the server does not know it (after a
    /// restart or SCRIPT FLUSH).
    public func evaluate(_ script: RedisScript, keys: [String] = [], arguments: [RESPArgument]) async throws -> RESPValue {
        let tail: [RESPArgument] = [.string(String(keys.count))] + keys.map { .string($0) } + arguments
        let connection = try await connection()
        let reply = try await connection.send(["EVALSHA", .string(script.sha1)] + tail)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            return try await connection.send(["EVAL", .string(script.source)] + tail).throwingError()
        }
        return try reply.throwingError()
    }

    /// Runs a Lua script once per argument list, pipelined on one connection (one write, replies in
    /// order). Calls the server answered NOSCRIPT are loaded and run again; only those, since the
    /// others already ran. Error replies are thrown.
    public func evaluate(_ script: RedisScript, batch: [[RESPArgument]]) async throws -> [RESPValue] {
        if batch.isEmpty { return [] }
        let connection = try await connection()
        let commands: [[RESPArgument]] = batch.map { ["EVALSHA", .string(script.sha1), "0"] + $0 }
        var replies = try await connection.pipeline(commands)
        let missing = replies.indices.filter { index in
            if case .error(let message) = replies[index], message.hasPrefix("NOSCRIPT") { return true }
            return false
        }
        if !missing.isEmpty {
            _ = try await connection.send(["SCRIPT", "LOAD", .string(script.source)]).throwingError()
            let retried = try await connection.pipeline(missing.map { commands[$0] })
            for (index, reply) in zip(missing, retried) { replies[index] = reply }
        }
        return try replies.map { try $0.throwingError() }
    }

    /// Closes every connection.
    public func close() async {
        for slot in slots {
            let connection = slot.current.withLock { current in
                defer { current = nil }
                return current
            }
            await connection?.close()
        }
    }

    /// A live connection, reconnecting the chosen slot when it was closed.
    func connection() async throws -> RedisConnection {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue % slots.count
        if let live = slots[index].current.withLock({ $0 }), live.isActive { return live }
        let fresh = try await RedisConnection.connect(to: url, group: group)
        let replaced = slots[index].current.withLock { current -> RedisConnection? in
            if let current, current.isActive { return fresh }
            current = fresh
            return nil
        }
        if let replaced {
            // Another request reconnected this slot meanwhile; keep theirs.
            await replaced.close()
            return try await connection()
        }
        logger.debug("connected to redis", metadata: ["redis.host": "\(url.host)", "redis.port": "\(url.port)", "slot": "\(index)"])
        return fresh
    }
}

/// One pool position: the connection it holds, if any.
private final class Slot: Sendable {
    let current = Mutex<RedisConnection?>(nil)
}
