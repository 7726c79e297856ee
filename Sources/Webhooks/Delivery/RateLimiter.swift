import Synchronization

/// A token bucket: at most `ratePerSecond` requests per second, with bursts up to one second's worth.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Int64
    }
    private let rate: Double
    private let bucket: Mutex<Bucket>

    init(ratePerSecond: Double, now: Int64) {
        rate = ratePerSecond
        bucket = Mutex(Bucket(tokens: max(1, ratePerSecond), updated: now))
    }

    /// Takes a token, or says how many milliseconds until one is available.
    func take(now: Int64) -> Int64? {
        bucket.withLock { b in
            b.tokens = min(max(1, rate), b.tokens + Double(now - b.updated) * rate / 1000)
            b.updated = now
            if b.tokens >= 1 {
                b.tokens -= 1
                return nil
            }
            // At most a day: a rate too small to express must not overflow the wait.
            return max(1, Int64(min(((1 - b.tokens) * 1000 / rate).rounded(.up), 86_400_000)))
        }
    }
}
