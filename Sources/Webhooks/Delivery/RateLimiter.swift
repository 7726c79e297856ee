import Synchronization
import Timing

/// A token bucket: at most `ratePerSecond` requests per second, with bursts up to one second's worth.
final class RateLimiter: Sendable {
    private let bucket: Mutex<TokenBucket>

    init(ratePerSecond: Double, now: Int64) {
        bucket = Mutex(TokenBucket(ratePerSecond: ratePerSecond, capacity: ratePerSecond, now: now))
    }

    /// Takes a token, or says how many milliseconds until one is available.
    func take(now: Int64) -> Int64? {
        bucket.withLock { $0.take(now: now) }
    }
}
