import Testing
@testable import Webhooks

@Suite struct RetryPolicyTests {
    let contract = RetryPolicy(schedule: [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800].map { .seconds($0) })

    @Test func followsTheScheduleWithJitterAddedOnly() {
        for attempt in 1...10 {
            let base = contract.schedule[attempt - 1].milliseconds
            let low = contract.delay(afterFailedAttempts: attempt, firstAttempt: 0, now: 0, random: { $0.lowerBound })
            let high = contract.delay(afterFailedAttempts: attempt, firstAttempt: 0, now: 0, random: { $0.upperBound })
            #expect(low?.milliseconds == base)
            #expect(high?.milliseconds == base + base / 10)
        }
    }

    @Test func keepsRetryingAtTheLastDelayUntilADayHasPassed() {
        let day: Int64 = 86_400_000
        let afterSchedule = contract.delay(afterFailedAttempts: 11, firstAttempt: 0, now: day - 1, random: { $0.lowerBound })
        #expect(afterSchedule == .seconds(28_800))
        #expect(contract.delay(afterFailedAttempts: 11, firstAttempt: 0, now: day) == nil)
        // The contract's delays add up to 23 h 42 m 35 s: without the window the last retry would come early.
        #expect(contract.schedule.reduce(Duration.zero, +) < .seconds(86_400))
    }

    @Test func retryAfterReplacesTheDelayUpToTheCap() {
        var policy = contract
        policy.maxRetryAfter = .seconds(60)
        #expect(policy.delay(afterFailedAttempts: 1, firstAttempt: 0, now: 0, retryAfter: .seconds(2)) == .seconds(2))
        #expect(policy.delay(afterFailedAttempts: 1, firstAttempt: 0, now: 0, retryAfter: .seconds(7200)) == .seconds(60))
        #expect(policy.delay(afterFailedAttempts: 11, firstAttempt: 0, now: 90_000_000, retryAfter: .seconds(2)) == nil)
    }

    @Test func parsesRetryAfterSecondsAndHTTPDates() {
        #expect(RetryAfter.parse("120", now: 0) == .seconds(120))
        #expect(RetryAfter.parse(" 3 ", now: 0) == .seconds(3))
        #expect(RetryAfter.parse("Thu, 01 Jan 1970 00:01:40 GMT", now: 40_000) == .seconds(60))
        #expect(RetryAfter.parse("Thu, 01 Jan 1970 00:00:01 GMT", now: 40_000) == .zero)
        #expect(RetryAfter.parse("soon", now: 0) == nil)
        #expect(RetryAfter.parse("-5", now: 0) == nil)
    }
}

@Suite struct CircuitBreakerTests {
    @Test func opensAfterConsecutiveFailuresAndLetsOneProbeThroughWhenTheCoolDownEnds() {
        var settings = CircuitBreaker.Settings()
        settings.failureThreshold = 3
        settings.firstOpen = .seconds(5)
        let breaker = CircuitBreaker(settings: settings)
        breaker.recordFailure(now: 0)
        breaker.recordFailure(now: 0)
        #expect(breaker.admission(now: 0) == nil)
        breaker.recordFailure(now: 1000)
        #expect(breaker.state(now: 1000) == .open(until: 6000))
        #expect(breaker.admission(now: 2000) == 4000)
        #expect(breaker.admission(now: 6000) == nil)   // the probe
        #expect(breaker.admission(now: 6000) != nil)   // nobody else while it is out
        breaker.recordFailure(now: 6100)                // the probe failed: twice as long
        #expect(breaker.state(now: 6100) == .open(until: 16_100))
        #expect(breaker.admission(now: 16_100) == nil)
        breaker.recordSuccess()
        #expect(breaker.state(now: 16_200) == .closed)
        #expect(breaker.admission(now: 16_200) == nil)
    }

    @Test func failuresOfRequestsSentBeforeItOpenedDoNotProlongIt() {
        var settings = CircuitBreaker.Settings()
        settings.failureThreshold = 2
        let breaker = CircuitBreaker(settings: settings)
        for _ in 0..<16 { breaker.recordFailure(now: 100) }   // sixteen were in flight
        #expect(breaker.state(now: 100) == .open(until: 5100))
    }

    @Test func successesInBetweenKeepItClosed() {
        let breaker = CircuitBreaker()
        for _ in 0..<20 {
            breaker.recordFailure(now: 0)
            breaker.recordSuccess()
        }
        #expect(breaker.state(now: 0) == .closed)
    }

    @Test func coolDownIsCapped() {
        var settings = CircuitBreaker.Settings()
        settings.failureThreshold = 1
        settings.maxOpen = .seconds(30)
        let breaker = CircuitBreaker(settings: settings)
        breaker.recordFailure(now: 0)
        var now: Int64 = 0
        for _ in 0..<10 {   // every probe fails
            guard case .open(let until) = breaker.state(now: now) else { Issue.record("closed"); return }
            now = until
            #expect(breaker.admission(now: now) == nil)
            breaker.recordFailure(now: now)
        }
        guard case .open(let until) = breaker.state(now: now) else { Issue.record("closed"); return }
        #expect(until - now == 30_000)
    }

    @Test func rateLimiterSpacesRequests() {
        let limiter = RateLimiter(ratePerSecond: 2, now: 0)
        #expect(limiter.take(now: 0) == nil)
        #expect(limiter.take(now: 0) == nil)
        #expect(limiter.take(now: 0) == 500)
        #expect(limiter.take(now: 500) == nil)
    }
}
