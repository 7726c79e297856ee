import Kafka
import Logging
import Payments
import Synchronization

/// The sink's attempt log: every attempt (and every decision taken without one) appended to
/// `<group>.attempts`, keyed by paymentId, for the delivery history and the ops trace. Entries are
/// handed to a producer of the log's own and not awaited: it lingers 50 ms, so librdkafka sends
/// them in large batches (the sink's producer, which writes retries and dead letters, lingers
/// 1 ms; sharing it cost a produce request, and its wake-ups, per handful of entries), and a
/// delivery waits only while that producer's bounded queue is full (back-pressure, never an
/// unbounded buffer). An entry Kafka refuses is counted and logged (once per kind of error);
/// delivery goes on.
final class AttemptLog: Sendable {
    let topic: String
    private let producer: KafkaProducer
    private let failures: Failures

    /// Counts and logs entries that were not written.
    final class Failures: Sendable {
        let topic: String
        let metrics: WebhookMetrics
        let logger: Logger
        private let lastError = Mutex<String?>(nil)

        init(topic: String, metrics: WebhookMetrics, logger: Logger) {
            self.topic = topic
            self.metrics = metrics
            self.logger = logger
        }

        func notWritten(_ error: KafkaError) {
            metrics.attemptLogFailure()
            let text = "\(error.code)"
            let isNew = lastError.withLock { last in
                defer { last = text }
                return last != text
            }
            if isNew {
                logger.warning(
                    "attempt log entry not written (delivery goes on)",
                    metadata: ["topic": "\(topic)", "error": "\(error)"])
            }
        }
    }

    init(topic: String, kafka: KafkaConfiguration, metrics: WebhookMetrics, logger: Logger) throws(KafkaError) {
        self.topic = topic
        let failures = Failures(topic: topic, metrics: metrics, logger: logger)
        self.failures = failures
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.linger = .milliseconds(50)
        configuration.maxQueuedMessages = 20_000
        producer = try KafkaProducer(configuration: configuration, logger: logger) { outcome in
            if let error = outcome.error { failures.notWritten(error) }
        }
    }

    /// The topic: deleted after 7 days, like a partner topic's retention of a week of history.
    static func specification(topic: String, partitions: Int, replicationFactor: Int) -> TopicSpecification {
        TopicSpecification(
            name: topic, partitions: partitions, replicationFactor: replicationFactor,
            config: ["cleanup.policy": "delete", "retention.ms": String(7 * 24 * 3_600_000)])
    }

    func append(_ attempt: DeliveryAttempt) async {
        let record = ProducerRecord(topic: topic, key: Array(attempt.paymentId.utf8), value: attempt.encoded())
        do {
            try await producer.enqueue(record, token: 0)
        } catch {
            failures.notWritten(error)
        }
    }

    /// Writes what is queued (up to a few seconds), then stops.
    func close() async {
        await producer.close(timeout: .seconds(5))
    }

    /// The entry for an attempt at `item` that ended with `result` and led to `outcome`.
    static func entry(
        _ item: QueuedDelivery, attempt: Int, sentAt: Int64, durationMs: Int64,
        result: WebhookEndpoint.AttemptResult?, excerpt: [UInt8], outcome: DeliveryAttempt.Outcome,
        errorClass: DeliveryAttempt.ErrorClass? = nil, error: String? = nil
    ) -> DeliveryAttempt {
        let record = item.pending.record
        let described = result.map(describe)
        return DeliveryAttempt(
            tenant: item.tenant, paymentId: QueuedDelivery.paymentKey(record), eventId: item.eventID,
            webhookId: item.eventID, attempt: attempt, sentAt: sentAt, durationMs: durationMs, outcome: outcome,
            httpStatus: described?.status, errorClass: errorClass ?? described?.errorClass,
            error: error ?? described?.error, responseBody: DeliveryAttempt.excerpt(excerpt),
            topic: record.topic, partition: record.partition, offset: record.offset, eventTime: item.eventTime)
    }

    /// What an attempt's result says for the log: its HTTP status, error class and error text.
    static func describe(_ result: WebhookEndpoint.AttemptResult) -> (
        status: Int?, errorClass: DeliveryAttempt.ErrorClass?, error: String?
    ) {
        switch result {
        case .delivered(let status): (status, nil, nil)
        case .retriable(let status?, _, let error): (status, .httpStatus, error)
        case .retriable(nil, _, let error):
            (
                nil,
                error.hasPrefix("OAuth2 token") ? .oauth2 : error.contains("timed out") ? .timeout : .connection,
                error
            )
        case .gone: (410, .httpStatus, "HTTP 410 Gone")
        case .refused(let status, let error): (status, .httpStatus, error)
        case .blocked(let reason): (nil, .blocked, reason)
        case .tlsFailed(let reason): (nil, .tls, reason)
        case .unsendable(let reason): (nil, .unsendable, reason)
        }
    }
}
