import NIOCore
import Synchronization

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
