import Metrics
import Synchronization

/// The sink's metrics (names from the contract), created once per label set.
final class WebhookMetrics: Sendable {
    enum Outcome: String {
        case delivered
        case retryScheduled = "retry_scheduled"
        case deadLettered = "dead_lettered"
    }

    private let factory: MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])
    /// The metrics of every delivery, per tenant: one lookup on the hot path, not one per metric.
    private let deliveries = Mutex<[String: Delivery]>([:])

    private struct Delivery: Sendable {
        let attempt: Metrics.Timer
        let endToEnd: Metrics.Timer
        let delivered: Counter
    }

    init(factory: MetricsFactory) { self.factory = factory }

    private func deliveryMetrics(_ tenant: String) -> Delivery {
        if let known = deliveries.withLock({ $0[tenant] }) { return known }
        let made = Delivery(
            attempt: timer("payments_bridge_webhook_delivery_seconds", tenant: tenant),
            endToEnd: timer("payments_bridge_end_to_end_latency_seconds", tenant: tenant),
            delivered: counter(
                "payments_bridge_webhook_deliveries_total", [("tenant", tenant), ("outcome", "delivered")]))
        deliveries.withLock { $0[tenant] = made }
        return made
    }

    func delivery(tenant: String, outcome: Outcome) {
        if outcome == .delivered { return deliveryMetrics(tenant).delivered.increment() }
        counter("payments_bridge_webhook_deliveries_total", [("tenant", tenant), ("outcome", outcome.rawValue)])
            .increment()
    }

    func deadLetter(topic: String, reason: String) {
        counter("payments_bridge_dead_letters_total", [("source", topic), ("reason", reason)]).increment()
    }

    func filtered(tenant: String, eventType: String) {
        counter("payments_bridge_webhook_filtered_total", [("tenant", tenant), ("event_type", eventType)]).increment()
    }

    /// Records fetched for a partition no longer assigned to this instance (dropped, read again by its owner).
    func notAssigned(topic: String) {
        counter("payments_bridge_webhook_records_not_assigned_total", [("topic", topic)]).increment()
    }

    /// 1 while the endpoint's circuit is open (it does not answer), 0 once it answers again.
    func breaker(tenant: String, open: Bool) {
        gauge("payments_bridge_webhook_circuit_open", [("tenant", tenant)]).record(open ? 1 : 0)
        counter(
            "payments_bridge_webhook_circuit_transitions_total", [("tenant", tenant), ("to", open ? "open" : "closed")]
        ).increment()
    }

    /// TLS handshakes that failed on our side's settings (a client certificate the endpoint
    /// refuses, a server certificate no configured CA trusts): alert on any increase.
    func tlsFailure(tenant: String) {
        counter("payments_bridge_webhook_tls_failures_total", [("tenant", tenant)]).increment()
    }

    /// When the endpoint's client certificate expires, in seconds since the epoch (without one: none).
    func certificateExpiry(of endpoint: WebhookEndpoint.Settings) {
        guard let expiry = endpoint.tls?.clientCertificateExpiry else { return }
        gauge("payments_bridge_webhook_client_certificate_expiry_seconds", [("tenant", endpoint.tenantID)])
            .record(expiry)
    }

    /// Writes Kafka refused for good (too large, invalid): handled another way, counted here.
    func writeRefused(topic: String) {
        counter("payments_bridge_webhook_writes_refused_total", [("topic", topic)]).increment()
    }

    /// Duration of one HTTP attempt.
    func attempt(tenant: String, milliseconds: Int64) {
        deliveryMetrics(tenant).attempt.recordMilliseconds(milliseconds)
    }

    /// An attempt-log entry Kafka did not take.
    func attemptLogFailure() {
        counter("payments_bridge_webhook_attempt_log_failures_total", []).increment()
    }

    /// From the event's time to the partner's 2xx.
    func endToEnd(tenant: String, milliseconds: Int64) {
        deliveryMetrics(tenant).endToEnd.recordMilliseconds(max(0, milliseconds))
    }

    /// Records waiting in the retry log, per tenant.
    func pending(tenant: String, count: Int) {
        gauge("payments_bridge_webhook_pending", [("tenant", tenant)]).record(count)
    }

    /// Records of a response partition not yet committed by the sink's group.
    func consumerLag(group: String, topic: String, partition: Int32, records: Int64) {
        gauge("payments_bridge_consumer_lag", [("group", group), ("topic", topic), ("partition", String(partition))])
            .record(records)
    }

    private func timer(_ label: String, tenant: String) -> Metrics.Timer {
        Self.cached(in: timers, label, [("tenant", tenant)]) {
            Metrics.Timer(label: $0, dimensions: $1, preferredDisplayUnit: .seconds, factory: factory)
        }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        Self.cached(in: gauges, label, dimensions) { Gauge(label: $0, dimensions: $1, factory: factory) }
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        Self.cached(in: counters, label, dimensions) { Counter(label: $0, dimensions: $1, factory: factory) }
    }

    /// One metric per label set, created on first use.
    private static func cached<M: AnyObject & Sendable>(
        in store: borrowing Mutex<[String: M]>, _ label: String, _ dimensions: [(String, String)],
        make: (String, [(String, String)]) -> M
    ) -> M {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return store.withLock { metrics in
            if let existing = metrics[key] { return existing }
            let metric = make(label, dimensions)
            metrics[key] = metric
            return metric
        }
    }
}
