/// A token bucket: `ratePerSecond` tokens a second, holding at most `capacity`; times in
/// milliseconds since the epoch.
public struct TokenBucket: Sendable {
    public let ratePerSecond: Double
    public let capacity: Double
    private var tokens: Double
    private var updated: Int64

    public init(ratePerSecond: Double, capacity: Double, now: Int64) {
        self.ratePerSecond = ratePerSecond
        self.capacity = max(1, capacity)
        tokens = self.capacity
        updated = now
    }

    /// Takes a token; otherwise says how many milliseconds until one is available.
    public mutating func take(now: Int64) -> Int64? {
        tokens = min(capacity, tokens + Double(max(0, now - updated)) * ratePerSecond / 1000)
        updated = max(updated, now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        // At most a day: a rate too small to express must not overflow the wait.
        return max(1, Int64(min(((1 - tokens) * 1000 / ratePerSecond).rounded(.up), 86_400_000)))
    }
}
