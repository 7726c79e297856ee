import Synchronization
import Timing

/// Holds an endpoint back while it is **down** — connections refused, timeouts, no answer — and
/// never because it **answers**: an HTTP status of any kind (5xx and 429 included) shows the
/// endpoint is up, and the record that got it follows its own retry schedule. So a partner that
/// fails part of its requests receives every record on its records' schedules, while a dead one
/// is not hammered.
///
/// The rules (a failure-rate window with a minimum number of calls, several half-open calls):
/// - **Closed**: the last `window` outcomes are kept; when at least `minimumCalls` of them are
///   known and `failureRate` of them or more were unreachable, the circuit opens.
/// - **Open** for a cool-down of `firstOpen`, doubling with each opening up to `maxOpen`: no
///   request is admitted. Outcomes of requests admitted before it opened do not prolong it.
/// - **Half-open** when the cool-down ends: up to `halfOpenCalls` probes at a time (one by
///   default). A probe that is answered closes the circuit; one that finds the endpoint
///   unreachable opens it again.
/// - Every admission is ended by exactly one `record`: `notSent` (blocked by policy, the request
///   could not be built, cancelled) gives a probe's slot back without counting.
public struct CircuitBreakerState: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        public var window = 20
        public var minimumCalls = 5
        public var failureRate = 0.5
        public var firstOpen: Duration = .seconds(5)
        /// Short enough that an endpoint that comes back gets its backlog within half a minute.
        public var maxOpen: Duration = .seconds(20)
        /// One probe is enough: any answer closes the circuit, and more would only multiply the
        /// requests a dead endpoint gets.
        public var halfOpenCalls = 1
        public init() {}
    }

    public enum Result: Sendable, Equatable {
        /// An HTTP answer, whatever its status.
        case answered
        /// No answer: connection refused or reset, a timeout, a name that does not resolve.
        case unreachable
        /// No request went out.
        case notSent
    }

    /// An admission: pass it back to `record`.
    public struct Permit: Sendable, Equatable {
        fileprivate let epoch: Int
        fileprivate let probe: Bool
    }

    public enum Admission: Sendable, Equatable {
        case admitted(Permit)
        /// Ask again after this many milliseconds.
        case wait(Int64)
    }

    public enum Transition: Sendable, Equatable {
        case opened(forMilliseconds: Int64)
        case closed
    }

    public enum Phase: Sendable, Equatable {
        case closed
        case open(until: Int64)
        case halfOpen
    }

    public let settings: Settings
    public private(set) var phase = Phase.closed
    private var outcomes: [Bool] = []  // true: unreachable
    private var next = 0
    private var openings = 0
    private var probes = 0
    /// Changes with every opening: permits of an older epoch do not count against the new one.
    private var epoch = 0

    public init(settings: Settings = Settings()) { self.settings = settings }

    public mutating func admission(now: Int64) -> Admission {
        switch phase {
        case .closed:
            return .admitted(Permit(epoch: epoch, probe: false))
        case .open(let until):
            if now < until { return .wait(until - now) }
            phase = .halfOpen
            probes = 0
            return admission(now: now)
        case .halfOpen:
            guard probes < settings.halfOpenCalls else { return .wait(250) }
            probes += 1
            return .admitted(Permit(epoch: epoch, probe: true))
        }
    }

    /// Whether a permit still belongs to the circuit's current state (it did not open or close since).
    public func isValid(_ permit: Permit) -> Bool { permit.epoch == epoch }

    /// Probes admitted and not yet recorded.
    public var probesInFlight: Int { probes }

    public mutating func record(_ result: Result, permit: Permit, now: Int64) -> Transition? {
        let current = permit.epoch == epoch
        if current, permit.probe, case .halfOpen = phase { probes = max(0, probes - 1) }
        switch result {
        case .notSent:
            return nil
        case .answered:
            guard case .closed = phase else {
                close()
                return .closed
            }
            remember(unreachable: false)
            return nil
        case .unreachable:
            switch phase {
            case .closed:
                guard current else { return nil }
                remember(unreachable: true)
                let failures = outcomes.count { $0 }
                guard outcomes.count >= settings.minimumCalls,
                    Double(failures) >= settings.failureRate * Double(outcomes.count)
                else { return nil }
                return open(now: now)
            case .halfOpen where current && permit.probe:
                return open(now: now)
            case .halfOpen, .open:
                return nil
            }
        }
    }

    private mutating func remember(unreachable: Bool) {
        if outcomes.count < settings.window {
            outcomes.append(unreachable)
        } else {
            outcomes[next] = unreachable
            next = (next + 1) % settings.window
        }
    }

    private mutating func open(now: Int64) -> Transition {
        let pause = min(settings.firstOpen.milliseconds << min(openings, 20), settings.maxOpen.milliseconds)
        openings += 1
        epoch += 1
        probes = 0
        outcomes = []
        next = 0
        phase = .open(until: now + pause)
        return .opened(forMilliseconds: pause)
    }

    private mutating func close() {
        openings = 0
        epoch += 1
        probes = 0
        outcomes = []
        next = 0
        phase = .closed
    }
}
