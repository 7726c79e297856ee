import Foundation

/// The sink's notion of time: retry due times, the retry window, breaker cool-downs and rate
/// limits all read it, so tests can run the 24-hour schedule in seconds.
public protocol SinkClock: Sendable {
    /// Milliseconds since the epoch.
    func now() -> Int64
    /// Sleeps `milliseconds` of this clock's time (throws when the task is cancelled).
    func sleep(milliseconds: Int64) async throws
}
