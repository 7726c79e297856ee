import NIOCore
import Synchronization

/// Backs off an endpoint as a whole when it keeps failing: after `failureThreshold` failures in
/// a row the circuit opens and no request is sent for a cool-down that doubles each time the
/// endpoint fails again (up to `maxOpen`); then one probe goes through (half-open), and a success
/// closes the circuit.
public final class CircuitBreaker: Sendable {
    public struct Settings: Sendable {
        public var failureThreshold = 5
        public var firstOpen: Duration = .seconds(5)
        public var maxOpen: Duration = .seconds(300)
        public init() {}
    }

    public enum State: Sendable, Equatable { case closed, open(until: Int64), halfOpen }

    private struct Storage {
        var consecutiveFailures = 0
        var openings = 0
        var openUntil: Int64?
        var probeInFlight = false
    }
    private let settings: Settings
    private let storage = Mutex(Storage())

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// nil when a request may be sent now (a probe when half-open), else how long to wait
    /// before asking again.
    /// The longest the circuit stays open at a time, in milliseconds.
    public var longestPause: Int64 { settings.maxOpen.milliseconds }

    public func admission(now: Int64) -> Int64? {
        storage.withLock { s in
            guard let until = s.openUntil else { return nil }
            if now < until { return until - now }
            if s.probeInFlight { return 250 }   // ask again soon: the probe decides
            s.probeInFlight = true
            return nil
        }
    }

    public func state(now: Int64) -> State {
        storage.withLock { s in
            guard let until = s.openUntil else { return .closed }
            return now < until ? .open(until: until) : .halfOpen
        }
    }

    public func recordSuccess() {
        storage.withLock { s in s = Storage() }
    }

    /// A failure that says something about the endpoint (timeout, connection error, 5xx, 429).
    /// Failures of requests sent before the circuit opened do not prolong it; a failed probe does.
    public func recordFailure(now: Int64) {
        storage.withLock { s in
            s.consecutiveFailures += 1
            if let until = s.openUntil, now < until || !s.probeInFlight { return }
            guard s.openUntil != nil || s.consecutiveFailures >= settings.failureThreshold else { return }
            s.probeInFlight = false
            let open = min(settings.firstOpen.milliseconds << min(s.openings, 20), settings.maxOpen.milliseconds)
            s.openings += 1
            s.openUntil = now + open
        }
    }
}

/// A token bucket: at most `ratePerSecond` requests per second, with bursts up to one second's worth.
final class RateLimiter: Sendable {
    private struct Bucket { var tokens: Double; var updated: Int64 }
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
            return max(1, Int64(((1 - b.tokens) * 1000 / rate).rounded(.up)))
        }
    }
}

/// Limits how many requests to one endpoint are in flight at once.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var available: Int
        /// A ring: in a backlog thousands of payments wait here, and taking the first of an
        /// array would move all of them while the lock is held.
        var waiters = CircularBuffer<CheckedContinuation<Void, Never>>()

        mutating func take() -> Bool {
            guard available > 0 else { return false }
            available -= 1
            return true
        }
    }
    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: limit)) }

    func acquire() async {
        if state.withLock({ $0.take() }) { return }   // no suspension when a slot is free
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { s -> Bool in
                if s.take() { return true }
                s.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.available += 1; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
