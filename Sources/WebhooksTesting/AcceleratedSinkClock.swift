import Timing
import Webhooks

/// Time that runs `factor` times faster than the wall clock, starting now: with a factor of
/// 10 000 a day passes in under nine seconds, and everything that waits still really waits.
public struct AcceleratedSinkClock: SinkClock {
    public let factor: Double
    private let start: Int64
    private let origin = ContinuousClock.now

    public init(factor: Double, start: Int64 = SystemSinkClock().now()) {
        self.factor = factor
        self.start = start
    }

    public func now() -> Int64 {
        let elapsed = ContinuousClock.now - origin
        let seconds = elapsed.inSeconds
        return start + Int64(seconds * 1000 * factor)
    }

    /// Sleeps at least a real millisecond, so that short waits (polling a probe, a rate limit)
    /// do not spin.
    public func sleep(milliseconds: Int64) async throws {
        guard milliseconds > 0 else { return }
        try await Task.sleep(for: .microseconds(max(1000, Int64(Double(milliseconds) * 1000 / factor))))
    }
}
