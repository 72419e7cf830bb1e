import NIOPosix
@testable import SNMP
import Testing

/// The runtime's enqueue hook, reached through the linker: once set, new tasks start on NIO's event
/// loops; a second installation is refused.
@Suite(.serialized) struct SNMPRuntimeTests {
    /// Whether a new task without an executor preference starts on one of NIO's event loops.
    static func startsOnAnEventLoop() async -> Bool {
        await Task.detached { MultiThreadedEventLoopGroup.currentEventLoop != nil }.value
    }

    @Test func tasksStartOnTheEventLoopsOnceInstalled() async throws {
        #expect(await !Self.startsOnAnEventLoop(), "the test process starts on the runtime's pool")
        #expect(SNMPRuntime.useEventLoopsAsGlobalExecutor())
        defer { SNMPRuntime.useRuntimePool() }
        #expect(await Self.startsOnAnEventLoop())
        #expect(!SNMPRuntime.useEventLoopsAsGlobalExecutor(), "an installed executor is not replaced")
    }
}
