/// Connection settings shared by every client. Typed settings are rendered to librdkafka
/// properties; `properties` passes any other librdkafka property through as it is
/// (`security.protocol`, `sasl.*`, `ssl.*`, …) and wins over the typed ones.
public struct KafkaConfiguration: Sendable {
    /// `bootstrap.servers`: "host:port,…".
    public var bootstrapServers: String
    /// `client.id`.
    public var clientID: String
    /// Raw librdkafka properties.
    public var properties: [String: String]
    /// What the cluster itself asks of its clients: `standard` for a Kafka cluster; set by whoever
    /// creates the configuration for another kind (the embedded cluster).
    public var clusterProfile: KafkaClusterProfile

    public init(bootstrapServers: String, clientID: String = "payments-bridge", properties: [String: String] = [:],
                clusterProfile: KafkaClusterProfile = .standard) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
        self.clusterProfile = clusterProfile
    }

    func render(_ typed: [String: String]) -> [String: String] {
        var result = typed
        result["bootstrap.servers"] = bootstrapServers
        result["client.id"] = clientID
        result.merge(clusterProfile.clientProperties) { _, cluster in cluster }
        result.merge(properties) { _, raw in raw }
        return result
    }
}

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

/// A group consumer with manual offset management and cooperative rebalancing.
public struct ConsumerConfiguration: Sendable {
    public enum OffsetReset: String, Sendable { case earliest, latest, error }
    public enum IsolationLevel: String, Sendable { case readCommitted = "read_committed", readUncommitted = "read_uncommitted" }

    public var kafka: KafkaConfiguration
    /// `group.id`.
    public var groupID: String
    /// `auto.offset.reset`: where to start when the group has no committed offset.
    public var offsetReset: OffsetReset = .earliest
    /// `isolation.level`.
    public var isolationLevel: IsolationLevel = .readCommitted
    /// `partition.assignment.strategy`: cooperative-sticky (incremental rebalancing) where the
    /// loaded librdkafka is 2.3.0 or newer. Older ones abort the process when a cooperative-sticky
    /// consumer is closed before its first assignment (librdkafka issue #4312, fixed in 2.3.0),
    /// so on Debian's 2.0.2 the eager `range` assignor is used. Rebalance handling supports both.
    public var assignmentStrategy: String = ConsumerConfiguration.defaultAssignmentStrategy

    public static var defaultAssignmentStrategy: String {
        RDKafkaLibrary.versionNumber >= 0x0203_0000 ? "cooperative-sticky" : "range"
    }
    /// `enable.auto.commit`: off by default; callers commit what they have processed.
    public var autoCommit: Bool = false
    /// `session.timeout.ms`.
    public var sessionTimeout: Duration = .seconds(10)
    /// `max.poll.interval.ms`.
    public var maxPollInterval: Duration = .seconds(300)
    /// Records taken from librdkafka per hop off the cooperative pool.
    public var pollBatchSize: Int = 500
    /// `queued.max.messages.kbytes`: how much librdkafka fetches ahead of the reader.
    public var prefetchKilobytes: Int = 65_536
    /// `fetch.queue.backoff.ms` (librdkafka 2.1 and later): how long the fetcher rests once the
    /// prefetch queue is over its thresholds. librdkafka's 1 s left a reader that keeps up idle
    /// for most of a second each time its queue had filled (the bridge ran 20–40 % slower).
    public var fetchQueueBackoff: Duration = .milliseconds(10)

    public init(kafka: KafkaConfiguration, groupID: String) {
        self.kafka = kafka
        self.groupID = groupID
    }

    func properties() -> [String: String] {
        var typed = [
            "group.id": groupID,
            "auto.offset.reset": offsetReset.rawValue,
            "isolation.level": isolationLevel.rawValue,
            "partition.assignment.strategy": assignmentStrategy,
            "enable.auto.commit": autoCommit ? "true" : "false",
            "enable.auto.offset.store": "false",
            "enable.partition.eof": "false",
            "session.timeout.ms": "\(RDKafkaClient.milliseconds(sessionTimeout))",
            "max.poll.interval.ms": "\(RDKafkaClient.milliseconds(maxPollInterval))",
            "queued.max.messages.kbytes": "\(prefetchKilobytes)",
        ]
        if RDKafkaLibrary.versionNumber >= 0x0201_0000 {
            typed["fetch.queue.backoff.ms"] = "\(RDKafkaClient.milliseconds(fetchQueueBackoff))"
        }
        typed.merge(kafka.clusterProfile.consumerProperties) { _, cluster in cluster }
        return kafka.render(typed)
    }
}
