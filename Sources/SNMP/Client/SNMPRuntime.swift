import NIOCore
import NIOPosix

/// Process-wide settings for programs built around the SNMP client.
public enum SNMPRuntime {
    /// Makes Swift Concurrency's global executor run on NIO's singleton event loops, so request
    /// tasks and socket I/O share threads instead of hopping between two pools. Call it first
    /// thing in `main`, before any `async` code; returns whether it took effect.
    @discardableResult
    public static func useEventLoopsAsGlobalExecutor() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
