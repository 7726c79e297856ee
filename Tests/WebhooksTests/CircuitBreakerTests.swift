import PropertyBased
import Testing

@testable import Webhooks

/// The breaker holds back endpoints that do not answer, never endpoints that answer.
@Suite struct CircuitBreakerTests {
    typealias Breaker = CircuitBreakerState

    static func settings(minimumCalls: Int = 5, halfOpenCalls: Int = 3) -> Breaker.Settings {
        var settings = Breaker.Settings()
        settings.minimumCalls = minimumCalls
        settings.halfOpenCalls = halfOpenCalls
        settings.firstOpen = .seconds(5)
        settings.maxOpen = .seconds(20)
        return settings
    }

    static func permit(_ breaker: inout Breaker, now: Int64) -> Breaker.Permit? {
        if case .admitted(let permit) = breaker.admission(now: now) { return permit }
        return nil
    }

    @Test func answersOfAnyStatusNeverOpenIt() {
        var breaker = Breaker(settings: Self.settings())
        for _ in 0..<100 {
            let permit = Self.permit(&breaker, now: 0)!
            #expect(breaker.record(.answered, permit: permit, now: 0) == nil)  // a 503 is an answer
        }
        #expect(breaker.phase == .closed)
    }

    @Test func opensWhenHalfTheWindowIsUnreachableOnceItHasTheMinimumCalls() {
        var breaker = Breaker(settings: Self.settings())
        let permits = (0..<8).map { _ in Self.permit(&breaker, now: 0)! }
        for permit in permits.prefix(4) { #expect(breaker.record(.unreachable, permit: permit, now: 0) == nil) }
        #expect(breaker.phase == .closed, "4 calls are fewer than the minimum")
        #expect(breaker.record(.unreachable, permit: permits[4], now: 100) == .opened(forMilliseconds: 5000))
        #expect(breaker.phase == .open(until: 5100))
        for permit in permits.suffix(3) { #expect(breaker.record(.unreachable, permit: permit, now: 200) == nil) }
        #expect(breaker.phase == .open(until: 5100), "requests sent before it opened do not prolong it")
    }

    @Test func aMinorityOfUnreachableCallsKeepsItClosed() {
        var breaker = Breaker(settings: Self.settings())
        for index in 0..<60 {
            let permit = Self.permit(&breaker, now: 0)!
            _ = breaker.record(index % 3 == 0 ? .unreachable : .answered, permit: permit, now: 0)
        }
        #expect(breaker.phase == .closed)
    }

    @Test func halfOpenLetsSeveralProbesThroughAndAnAnswerClosesIt() {
        var breaker = Breaker(settings: Self.settings(minimumCalls: 1))
        _ = breaker.record(.unreachable, permit: Self.permit(&breaker, now: 0)!, now: 0)
        #expect(breaker.admission(now: 1000) == .wait(4000))
        let probes = (0..<3).compactMap { _ in Self.permit(&breaker, now: 5000) }
        #expect(probes.count == 3)
        #expect(breaker.admission(now: 5000) == .wait(250), "no more than three probes at a time")
        #expect(breaker.record(.answered, permit: probes[0], now: 5010) == .closed)
        #expect(breaker.phase == .closed)
    }

    @Test func anUnreachableProbeReopensForTwiceAsLongUpToTheCap() {
        var breaker = Breaker(settings: Self.settings(minimumCalls: 1))
        _ = breaker.record(.unreachable, permit: Self.permit(&breaker, now: 0)!, now: 0)
        var now: Int64 = 0
        var pauses: [Int64] = []
        for _ in 0..<5 {
            guard case .open(let until) = breaker.phase else {
                Issue.record("not open")
                return
            }
            now = until
            guard
                case .opened(let pause) = breaker.record(
                    .unreachable, permit: Self.permit(&breaker, now: now)!, now: now)
            else {
                Issue.record("a failed probe reopens")
                return
            }
            pauses.append(pause)
        }
        #expect(pauses == [10_000, 20_000, 20_000, 20_000, 20_000])
    }

    @Test func aProbeThatSendsNothingGivesItsSlotBack() {
        var breaker = Breaker(settings: Self.settings(minimumCalls: 1, halfOpenCalls: 1))
        _ = breaker.record(.unreachable, permit: Self.permit(&breaker, now: 0)!, now: 0)
        let probe = Self.permit(&breaker, now: 5000)!
        #expect(breaker.admission(now: 5000) == .wait(250))
        #expect(breaker.record(.notSent, permit: probe, now: 5001) == nil)  // blocked by policy, say
        #expect(Self.permit(&breaker, now: 5002) != nil, "the slot is free again")
    }

    /// Random sequences of admissions and outcomes: every admission can be ended, probes never
    /// exceed the limit, and an answered probe always closes the circuit.
    @Test func randomOutcomesNeverLeakProbeSlots() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...99).array(of: 1...300)) { script in
            var breaker = Breaker(settings: Self.settings(minimumCalls: 2, halfOpenCalls: 2))
            var now: Int64 = 0
            var out: [Breaker.Permit] = []
            for step in script {
                now += Int64(step * 37)
                if step % 2 == 0 {
                    if let permit = Self.permit(&breaker, now: now) { out.append(permit) }
                } else if !out.isEmpty {
                    let permit = out.remove(at: step % out.count)
                    let result: Breaker.Result = [.answered, .unreachable, .notSent][step % 3]
                    let wasHalfOpen = breaker.phase == .halfOpen
                    let transition = breaker.record(result, permit: permit, now: now)
                    if result == .answered, wasHalfOpen { #expect(transition == .closed) }
                }
                #expect(breaker.probesInFlight <= 2, "never more probes than the limit")
            }
            for permit in out { _ = breaker.record(.notSent, permit: permit, now: now) }
            // With nothing in flight, a half-open circuit admits a probe.
            now += 1_000_000
            #expect(Self.permit(&breaker, now: now) != nil)
        }
    }
}
