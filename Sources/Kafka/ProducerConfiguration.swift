/// An idempotent producer (`enable.idempotence=true`, `acks=all`): no duplicates from retries,
/// order kept per partition.
public struct ProducerConfiguration: Sendable {
    public var kafka: KafkaConfiguration
    /// `linger.ms`: how long to wait to fill a batch.
    public var linger: Duration = .milliseconds(5)
    /// `batch.num.messages`.
    public var batchMessages: Int = 10_000
    /// `queue.buffering.max.messages`: the bound on records waiting for delivery; senders wait
    /// (back-pressure) rather than exceed it.
    public var maxQueuedMessages: Int = 100_000
    /// `message.timeout.ms`: how long librdkafka retries a record before reporting it failed.
    public var deliveryTimeout: Duration = .seconds(120)
    /// `compression.type`.
    public var compression: String = "lz4"
    /// `transactional.id`, for `TransactionalProducer` only.
    public var transactionalID: String?
    /// `transaction.timeout.ms`.
    public var transactionTimeout: Duration = .seconds(60)
    /// `message.max.bytes`: the largest record (key, value and headers) librdkafka takes;
    /// librdkafka's own default (1,000,000 bytes) when nil.
    public var maxRecordBytes: Int?

    public init(kafka: KafkaConfiguration) {
        self.kafka = kafka
    }

    func properties() -> [String: String] {
        var typed = [
            "enable.idempotence": "true",
            "acks": "all",
            "linger.ms": "\(RDKafkaClient.milliseconds(linger))",
            "batch.num.messages": "\(batchMessages)",
            "queue.buffering.max.messages": "\(maxQueuedMessages)",
            "message.timeout.ms": "\(RDKafkaClient.milliseconds(deliveryTimeout))",
            "compression.type": compression,
        ]
        if let maxRecordBytes { typed["message.max.bytes"] = "\(maxRecordBytes)" }
        if let transactionalID {
            // librdkafka requires message.timeout.ms <= transaction.timeout.ms.
            typed["message.timeout.ms"] = "\(RDKafkaClient.milliseconds(min(deliveryTimeout, transactionTimeout)))"
            typed["transactional.id"] = transactionalID
            typed["transaction.timeout.ms"] = "\(RDKafkaClient.milliseconds(transactionTimeout))"
        }
        return kafka.render(typed)
    }
}
