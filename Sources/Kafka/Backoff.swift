/// Exponential back-off: `first`, doubling up to `max`.
public struct Backoff: Sendable {
    private var current: Duration
    private let max: Duration

    public init(first: Duration, max: Duration) {
        current = first
        self.max = max
    }

    /// The delay to wait now; the next one is twice as long (up to `max`).
    public mutating func next() -> Duration {
        defer { current = Swift.min(current * 2, max) }
        return current
    }
}
