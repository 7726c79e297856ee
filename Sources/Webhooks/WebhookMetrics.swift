import Metrics
import Synchronization

/// The sink's metrics (names from the contract), created once per label set.
final class WebhookMetrics: Sendable {
    enum Outcome: String { case delivered, retryScheduled = "retry_scheduled", deadLettered = "dead_lettered" }

    private let factory: MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])

    init(factory: MetricsFactory) { self.factory = factory }

    func delivery(tenant: String, outcome: Outcome) {
        counter("payments_bridge_webhook_deliveries_total", [("tenant", tenant), ("outcome", outcome.rawValue)]).increment()
    }

    func deadLetter(topic: String, reason: String) {
        counter("payments_bridge_dead_letters_total", [("source", topic), ("reason", reason)]).increment()
    }

    func filtered(tenant: String, eventType: String) {
        counter("payments_bridge_webhook_filtered_total", [("tenant", tenant), ("event_type", eventType)]).increment()
    }

    /// Duration of one HTTP attempt.
    func attempt(tenant: String, milliseconds: Int64) {
        let key = tenant
        let timer = timers.withLock { timers in
            if let existing = timers[key] { return existing }
            let timer = Metrics.Timer(label: "payments_bridge_webhook_delivery_seconds", dimensions: [("tenant", tenant)],
                                      preferredDisplayUnit: .seconds, factory: factory)
            timers[key] = timer
            return timer
        }
        timer.recordMilliseconds(milliseconds)
    }

    /// Records waiting in the retry log, per tenant.
    func pending(tenant: String, count: Int) {
        let gauge = gauges.withLock { gauges in
            if let existing = gauges[tenant] { return existing }
            let gauge = Gauge(label: "payments_bridge_webhook_pending", dimensions: [("tenant", tenant)], factory: factory)
            gauges[tenant] = gauge
            return gauge
        }
        gauge.record(count)
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return counters.withLock { counters in
            if let existing = counters[key] { return existing }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }
}
