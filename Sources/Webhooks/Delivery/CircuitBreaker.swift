import Synchronization
import Timing

/// An endpoint's breaker, shared by its deliveries.
public final class CircuitBreaker: Sendable {
    public typealias Settings = CircuitBreakerState.Settings
    private let state: Mutex<CircuitBreakerState>
    public let settings: CircuitBreakerState.Settings

    public init(settings: CircuitBreakerState.Settings = .init()) {
        self.settings = settings
        state = Mutex(CircuitBreakerState(settings: settings))
    }

    /// The longest the circuit stays open at a time, in milliseconds.
    public var longestPause: Int64 { settings.maxOpen.milliseconds }

    public func admission(now: Int64) -> CircuitBreakerState.Admission {
        state.withLock { $0.admission(now: now) }
    }

    public func record(_ result: CircuitBreakerState.Result, permit: CircuitBreakerState.Permit, now: Int64)
        -> CircuitBreakerState.Transition?
    {
        state.withLock { $0.record(result, permit: permit, now: now) }
    }

    public var phase: CircuitBreakerState.Phase { state.withLock { $0.phase } }

    public func isValid(_ permit: CircuitBreakerState.Permit) -> Bool { state.withLock { $0.isValid(permit) } }
}
