@testable import OctoJobs
import Testing

/// How a worker splits its slots between claims: one claim for every free slot while the queue is
/// shallow, two claims of at most half the slots each while claims come back full, so one claim's
/// jobs run while the next is on its way.
@Suite struct WorkerSlotsTests {
    @Test func anIdleWorkerClaimsEveryFreeSlotAtOnce() {
        let slots = WorkerSlots()
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 64)
        // One claim in flight and nothing known about the queue yet: no second claim.
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 0)
    }

    @Test func aDeepQueueIsClaimedInTwoHalvesThatOverlap() {
        let slots = WorkerSlots()
        let first = slots.reserve(concurrency: 64, claimBatch: 1)
        slots.claimed(first, of: first)
        for _ in 0..<first { slots.finished() }
        // The last claim came back full: half the slots now, and the other half while it is in flight.
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 32)
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 32)
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 0)
        // The first half's jobs run and end one by one: the next claim waits for a quarter of the slots.
        slots.claimed(32, of: 32)
        for _ in 0..<15 { slots.finished() }
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 0)
        slots.finished()
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 16)
    }

    @Test func aShortClaimStopsTheOverlap() {
        let slots = WorkerSlots()
        slots.claimed(slots.reserve(concurrency: 64, claimBatch: 1), of: 64)
        for _ in 0..<64 { slots.finished() }
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 32)
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 32)
        // The queue ran dry: one claim came back with 3 jobs. While the other is in flight, none starts.
        slots.claimed(3, of: 32)
        for _ in 0..<3 { slots.finished() }
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 0)
        // Once no claim is in flight, one claim polls for every free slot.
        slots.claimed(0, of: 32)
        #expect(slots.reserve(concurrency: 64, claimBatch: 1) == 64)
    }

    @Test func aWorkerOfOneSlotClaimsOneJobAtATime() {
        let slots = WorkerSlots()
        #expect(slots.reserve(concurrency: 1, claimBatch: 1) == 1)
        slots.claimed(1, of: 1)
        #expect(slots.reserve(concurrency: 1, claimBatch: 1) == 0)
        slots.finished()
        #expect(slots.reserve(concurrency: 1, claimBatch: 1) == 1)
        #expect(slots.reserve(concurrency: 1, claimBatch: 1) == 0)
    }
}
