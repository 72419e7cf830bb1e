import Synchronization

/// A flag a tool run polls between probes: set by the user's cancel, a stream's consumer going away,
/// or a limit. Tools stop at the next check and return what they measured so far.
public final class ToolCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    /// Creates a flag that is not set.
    public init() {}

    /// Asks the run to stop.
    public func cancel() { flag.store(true, ordering: .relaxed) }

    /// Whether the run was asked to stop.
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}
