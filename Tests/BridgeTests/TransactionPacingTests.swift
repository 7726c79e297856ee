@testable import Bridge
import Kafka
import Testing

@Suite("Transaction pacing")
struct TransactionPacingTests {
    let interval: Duration = .milliseconds(25)

    func record(_ offset: Int64) -> ConsumerRecord {
        ConsumerRecord(topic: "payments.events", partition: 0, offset: offset, key: nil, value: [0x7b, 0x7d], headers: [], timestamp: nil)
    }

    @Test("a transaction is due one interval after the previous commit began, not after it opened")
    func dueFromPreviousCommit() {
        var state = TransactionState()
        // The previous commit began 20 ms ago and took 15 ms; this transaction opened 5 ms ago.
        state.lastCommitStarted = .now - .milliseconds(20)
        state.begin()
        state.consumed(record(1))
        #expect(!state.isDue(maxRecords: 5000, maxInterval: interval))
        let remaining = state.timeUntilDue(maxInterval: interval)!
        #expect(remaining > .zero && remaining <= .milliseconds(5))

        state.lastCommitStarted = .now - .milliseconds(26)
        #expect(state.isDue(maxRecords: 5000, maxInterval: interval), "due 25 ms after the last commit began")
        #expect(state.timeUntilDue(maxInterval: interval)! <= .zero)
    }

    @Test("a full transaction is due at once; nothing is due while none is open; pacing survives a reset")
    func countsAndReset() {
        var state = TransactionState()
        #expect(!state.isDue(maxRecords: 2, maxInterval: interval))
        #expect(state.timeUntilDue(maxInterval: interval) == nil)
        state.lastCommitStarted = .now
        state.begin()
        state.consumed(record(1))
        state.consumed(record(2))
        #expect(state.isDue(maxRecords: 2, maxInterval: interval))

        let started = state.lastCommitStarted
        state.reset()
        #expect(!state.isOpen && state.count == 0 && state.nextOffsets.isEmpty)
        #expect(state.lastCommitStarted == started)
    }
}
