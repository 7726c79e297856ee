import Metrics
import Synchronization

/// The bridge's metrics (names from the contract), created once per label set.
final class BridgeMetrics: Sendable {
    private let factory: MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])
    let consumed: Counter

    init(factory: MetricsFactory) {
        self.factory = factory
        consumed = Counter(label: "payments_bridge_events_consumed_total", factory: factory)
    }

    func skipped(eventType: String) -> Counter {
        counter("payments_bridge_events_skipped_total", [("event_type", eventType)])
    }

    func produced(channel: String, tenant: String) -> Counter {
        counter("payments_bridge_responses_produced_total", [("channel", channel), ("tenant", tenant)])
    }

    func deadLetters(source: String, reason: String) -> Counter {
        counter("payments_bridge_dead_letters_total", [("source", source), ("reason", reason)])
    }

    /// Input records fetched for a partition this member no longer has: left out, not processed.
    func notAssigned(topic: String) -> Counter {
        counter("payments_bridge_records_not_assigned_total", [("topic", topic)])
    }

    func transactions(outcome: String) -> Counter {
        counter("payments_bridge_transactions_total", [("outcome", outcome)])
    }

    func consumerLag(group: String, topic: String, partition: Int32) -> Gauge {
        let dimensions = [("group", group), ("topic", topic), ("partition", String(partition))]
        let key = dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: "|")
        return gauges.withLock { gauges in
            if let existing = gauges[key] { return existing }
            let gauge = Gauge(label: "payments_bridge_consumer_lag", dimensions: dimensions, factory: factory)
            gauges[key] = gauge
            return gauge
        }
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
