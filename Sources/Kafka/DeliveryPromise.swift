import Logging
import Synchronization

/// A one-shot delivery result that may arrive before or after someone waits for it.
final class DeliveryPromise: Sendable {
    private struct State {
        var result: Result<DeliveryReport, KafkaError>?
        var waiter: CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>?
    }
    private let state = Mutex(State())

    /// The first outcome counts (a delivery report after a cancelled wait is ignored).
    @Sendable func complete(_ result: Result<DeliveryReport, KafkaError>) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }

    var value: Result<DeliveryReport, KafkaError> {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Result<DeliveryReport, KafkaError>? in
                    if state.result == nil { state.waiter = continuation }
                    return state.result
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
