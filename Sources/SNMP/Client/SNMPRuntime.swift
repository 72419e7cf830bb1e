import CConcurrencyHook
import NIOCore
import NIOPosix

/// Process-wide settings for programs built around the SNMP client.
public enum SNMPRuntime {
    /// The Swift runtime's global-enqueue hook: the job, and the runtime's own enqueue (unused here).
    private typealias EnqueueGlobalHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Makes Swift Concurrency's global executor run on NIO's singleton event loops, so request
    /// tasks and socket I/O share threads instead of hopping between two pools. Call it first
    /// thing in `main`, before any `async` code; returns whether it took effect (false when another
    /// executor is installed already).
    ///
    /// This is what `NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`
    /// does, except that it reaches the runtime's hook through the linker instead of `dlsym`, which
    /// finds nothing in a binary linked with the static Swift runtime (the container image's): there
    /// NIO's call returns false and every task ran on the runtime's own pool.
    @discardableResult
    public static func useEventLoopsAsGlobalExecutor() -> Bool {
        guard let hook = concurrency_enqueue_global_hook(), hook.pointee == nil else { return false }
        let enqueueOnEventLoop: EnqueueGlobalHook = { job, _ in
            // `any()` stays on the current loop when called from one of the group's threads, so a
            // task that resumes another keeps it on its own thread.
            MultiThreadedEventLoopGroup.singleton.any().enqueue(ExecutorJob(job))
        }
        withUnsafePointer(to: enqueueOnEventLoop) { function in
            function.withMemoryRebound(to: UnsafeMutableRawPointer?.self, capacity: 1) { hook.pointee = $0.pointee }
        }
        return true
    }

    /// Hands the global executor back to the runtime's own pool (tests that installed the event loops).
    static func useRuntimePool() {
        concurrency_enqueue_global_hook()?.pointee = nil
    }
}
