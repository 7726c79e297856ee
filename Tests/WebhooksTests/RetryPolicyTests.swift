import Testing

@testable import Webhooks

@Suite struct RetryPolicyTests {
    let contract = RetryPolicy(
        schedule: [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800].map { .seconds($0) })

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
        let afterSchedule = contract.delay(
            afterFailedAttempts: 11, firstAttempt: 0, now: day - 1, random: { $0.lowerBound })
        #expect(afterSchedule == .seconds(28_800))
        #expect(contract.delay(afterFailedAttempts: 11, firstAttempt: 0, now: day) == nil)
        // The contract's delays add up to 23 h 42 m 35 s: without the window the last retry would come early.
        #expect(contract.schedule.reduce(Duration.zero, +) < .seconds(86_400))
    }

    @Test func retryAfterLengthensTheDelayUpToTheCapButNeverShortensIt() {
        var policy = RetryPolicy(schedule: [.seconds(10), .seconds(20)], jitter: 0)
        policy.maxRetryAfter = .seconds(60)
        #expect(policy.delay(afterFailedAttempts: 1, firstAttempt: 0, now: 0, retryAfter: .seconds(30)) == .seconds(30))
        #expect(
            policy.delay(afterFailedAttempts: 1, firstAttempt: 0, now: 0, retryAfter: .seconds(7200)) == .seconds(60))
        #expect(
            policy.delay(afterFailedAttempts: 1, firstAttempt: 0, now: 0, retryAfter: .seconds(2)) == .seconds(10),
            "floored at the scheduled delay")
        let fast = RetryPolicy(schedule: [.milliseconds(100)], jitter: 0)
        #expect(
            fast.delay(afterFailedAttempts: 1, firstAttempt: 0, now: 0, retryAfter: .zero) == .seconds(1),
            "Retry-After: 0 is floored at a second")
        #expect(
            fast.delay(afterFailedAttempts: 1, firstAttempt: 0, now: 0) == .milliseconds(100),
            "without it, the schedule")
        #expect(
            contract.delay(afterFailedAttempts: 11, firstAttempt: 0, now: 90_000_000, retryAfter: .seconds(2)) == nil)
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

@Suite struct LimiterTests {
    @Test func rateLimiterSpacesRequests() {
        let limiter = RateLimiter(ratePerSecond: 2, now: 0)
        #expect(limiter.take(now: 0) == nil)
        #expect(limiter.take(now: 0) == nil)
        #expect(limiter.take(now: 0) == 500)
        #expect(limiter.take(now: 500) == nil)
    }
}

@Suite struct ConcurrencyLimiterTests {
    @Test func aCancelledWaiterLeavesTheQueueAndTheSlotGoesToTheNext() async throws {
        let limiter = ConcurrencyLimiter(limit: 1)
        try await limiter.acquire()
        let cancelled = Task { try await limiter.acquire() }
        let next = Task {
            try await limiter.acquire()
            return true
        }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        limiter.release()
        #expect(try await next.value, "the slot went to the waiter still waiting")
    }
}

@Suite struct RateLimiterRangeTests {
    @Test func aRateTooSmallToExpressWaitsAtMostADayInsteadOfTrapping() {
        let limiter = RateLimiter(ratePerSecond: 1e-17, now: 0)
        #expect(limiter.take(now: 0) == nil)
        #expect(limiter.take(now: 0) == 86_400_000)
    }
}
