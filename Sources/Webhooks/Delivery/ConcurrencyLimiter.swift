import NIOCore
import Synchronization

/// Limits how many requests to one endpoint are in flight at once.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var available: Int
        /// A ring: in a backlog thousands of payments wait here, and taking the first of an
        /// array would move all of them while the lock is held.
        var waiters = CircularBuffer<(id: Int, continuation: CheckedContinuation<Bool, Never>)>()
        var nextID = 0

        mutating func take() -> Bool {
            guard available > 0 else { return false }
            available -= 1
            return true
        }
    }
    private let state: Mutex<State>

    init(limit: Int) { state = Mutex(State(available: limit)) }

    /// Waits for a slot; throws `CancellationError` when the task is cancelled first (a revoked
    /// partition's worker must not wait for other partitions' requests).
    func acquire() async throws {
        if state.withLock({ $0.take() }) { return }  // no suspension when a slot is free
        let id = state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { s -> Bool? in
                    if Task.isCancelled { return false }
                    if s.take() { return true }
                    s.waiters.append((id, continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
        if !granted { throw CancellationError() }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            if s.waiters.isEmpty {
                s.available += 1
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
