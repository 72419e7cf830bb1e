import NIOCore
import Synchronization

/// Limits how many requests are outstanding to one agent at a time.
final class TargetLimiter: Sendable {
    private struct Slot {
        var active = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let slots = Mutex<[SocketAddress: Slot]>([:])
    let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func acquire(_ address: SocketAddress) async {
        let granted = slots.withLock { table -> Bool in
            var slot = table[address, default: Slot()]
            if slot.active < limit {
                slot.active += 1
                table[address] = slot
                return true
            }
            return false
        }
        if granted { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = slots.withLock { table -> Bool in
                var slot = table[address, default: Slot()]
                if slot.active < limit {
                    slot.active += 1
                    table[address] = slot
                    return true
                }
                slot.waiters.append(continuation)
                table[address] = slot
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func release(_ address: SocketAddress) {
        let next = slots.withLock { table -> CheckedContinuation<Void, Never>? in
            guard var slot = table[address] else { return nil }
            if slot.head < slot.waiters.count {
                let waiter = slot.waiters[slot.head]
                slot.head += 1
                if slot.head == slot.waiters.count {
                    slot.waiters.removeAll()
                    slot.head = 0
                }
                table[address] = slot
                return waiter
            }
            slot.active -= 1
            if slot.active == 0 {
                table[address] = nil
            } else {
                table[address] = slot
            }
            return nil
        }
        next?.resume()
    }
}
