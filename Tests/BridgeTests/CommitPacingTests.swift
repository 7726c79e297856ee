import PropertyBased
import Testing

@testable import Bridge

/// When a transaction is due: `maxRecords` records, or `maxInterval` after the previous commit
/// began. Driven by random arrivals and commit durations on a simulated clock.
@Suite("Bridge: commits paced from the previous commit's start")
struct CommitPacingTests {
    /// One step of the simulated loop: time passes, records may arrive, a due commit takes a while.
    struct Step: Sendable {
        var gap: Int
        var records: Int
        var commitTook: Int
    }

    @Test func commitsComeAtMostOncePerIntervalAndNoRecordWaitsLongerThanAnInterval() async {
        let steps = zip(Gen.int(in: 0...40), Gen.int(in: 0...300), Gen.int(in: 1...80))
            .map { Step(gap: $0, records: $1, commitTook: $2) }.array(of: 1...200)
        await propertyCheck(count: 300, input: steps) { steps in
            let (maxRecords, maxInterval) = (1000, Duration.milliseconds(25))
            var now = ContinuousClock.now
            var state = TransactionState()
            state.lastCommitStarted = now
            for step in steps {
                now += .milliseconds(step.gap)
                let wait = state.timeUntilDue(maxInterval: maxInterval, limit: .milliseconds(50), now: now)
                #expect(wait >= .zero && wait <= .milliseconds(50))
                if step.records > 0 {
                    if !state.isOpen { (state.isOpen, state.startedAt) = (true, now) }
                    state.count += step.records
                }
                guard state.isOpen else {
                    #expect(!state.isDue(maxRecords: maxRecords, maxInterval: maxInterval, now: now))
                    continue
                }
                let due = state.isDue(maxRecords: maxRecords, maxInterval: maxInterval, now: now)
                // Due an interval after the previous commit began (not a whole interval after
                // this transaction's first record), so never later than that either…
                if now - state.lastCommitStarted >= maxInterval { #expect(due) }
                if now - state.startedAt >= maxInterval { #expect(due) }
                // …and when not due yet, the loop's wait ends by then.
                if !due {
                    let until = state.timeUntilDue(maxInterval: maxInterval, limit: .seconds(1), now: now)
                    #expect(until > .zero && now + until <= state.startedAt + maxInterval)
                    continue
                }
                // Due by time: at least an interval after the previous commit began.
                if state.count < maxRecords { #expect(now - state.lastCommitStarted >= maxInterval) }
                state.committed(startedAt: now)
                #expect(!state.isOpen && state.count == 0 && state.lastCommitStarted == now)
                now += .milliseconds(step.commitTook)
            }
        }
    }

    @Test func aTransactionAfterAQuietSpellIsDueAtOnce() {
        let now = ContinuousClock.now
        var state = TransactionState()
        state.lastCommitStarted = now - .seconds(1)
        (state.isOpen, state.startedAt, state.count) = (true, now, 1)
        #expect(state.isDue(maxRecords: 5000, maxInterval: .milliseconds(25), now: now))
        #expect(state.timeUntilDue(maxInterval: .milliseconds(25), limit: .milliseconds(50), now: now) == .zero)
    }
}
