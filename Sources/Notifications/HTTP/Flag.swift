import Synchronization

/// A boolean that one event-loop callback sets and the waiting task reads: "the deadline fired".
final class Flag: Sendable {
    private let state = Atomic<Bool>(false)

    init() {}

    func set() { state.store(true, ordering: .sequentiallyConsistent) }

    var isSet: Bool { state.load(ordering: .sequentiallyConsistent) }
}
