import Foundation
import Timing

/// When to try a failed delivery again, and when to give up.
public struct RetryPolicy: Sendable {
    /// Delays between attempts: the first retry waits `schedule[0]`, and so on.
    public var schedule: [Duration]
    /// Retries go on at the last delay until at least this long after the first attempt, so the
    /// schedule covers a whole day of partner downtime even when its delays add up to less.
    public var minimumWindow: Duration
    /// Each delay is lengthened by a random fraction up to this (0.1 = up to 10 % longer), so
    /// retries of many records spread out instead of arriving together.
    public var jitter: Double
    /// Cap on a partner's `Retry-After`.
    public var maxRetryAfter: Duration

    public init(
        schedule: [Duration], minimumWindow: Duration = .seconds(86_400), jitter: Double = 0.1,
        maxRetryAfter: Duration = .seconds(3600)
    ) {
        precondition(!schedule.isEmpty, "a retry schedule needs at least one delay")
        self.schedule = schedule
        self.minimumWindow = minimumWindow
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// The delay before the next attempt after `failedAttempts` failures (≥ 1), or nil when
    /// retries are exhausted. A `Retry-After` from the partner can only lengthen the scheduled
    /// delay (never below it, nor below one second: `Retry-After: 0` is no licence to hammer),
    /// up to `maxRetryAfter`.
    public func delay(
        afterFailedAttempts failedAttempts: Int, firstAttempt: Int64, now: Int64,
        retryAfter: Duration? = nil,
        random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) -> Duration? {
        let base: Duration
        if failedAttempts <= schedule.count {
            base = schedule[failedAttempts - 1]
        } else if now - firstAttempt < minimumWindow.milliseconds {
            base = schedule[schedule.count - 1]
        } else {
            return nil
        }
        let factor = 1 + random(0...max(0, jitter))
        let scheduled: Duration = .milliseconds(Int64((Double(base.milliseconds) * factor).rounded()))
        guard let retryAfter else { return scheduled }
        return max(scheduled, .seconds(1), min(retryAfter, maxRetryAfter))
    }
}
