/// Exponential back-off: `first`, doubling up to `max`. Every retry loop of the service waits
/// with one.
public struct Backoff: Sendable {
    /// The delay `next()` returns.
    public private(set) var upcoming: Duration
    private let max: Duration

    public init(first: Duration, max: Duration) {
        upcoming = first
        self.max = max
    }

    /// The delay to wait now; the next one is twice as long (up to `max`).
    public mutating func next() -> Duration {
        defer { upcoming = Swift.min(upcoming * 2, max) }
        return upcoming
    }
}
