import Kafka
import KafkaEmbedded
import Logging

/// A fresh embedded (mock) cluster for one test, the configuration of its clients, and helpers
/// to create topics, producers and consumers: the cluster every suite on the embedded broker
/// starts from.
public struct MockKafka: Sendable {
    public let cluster: EmbeddedKafkaCluster
    /// Clients of `cluster`, with librdkafka's log level lowered to errors (`log_level` 2) and
    /// `properties` added.
    public let kafka: KafkaConfiguration

    public init(brokers: Int = 3, clientID: String = "payments-bridge", properties: [String: String] = [:]) throws {
        cluster = try EmbeddedKafkaCluster(brokers: brokers)
        kafka = cluster.configuration(
            clientID: clientID, properties: ["log_level": "2"].merging(properties) { _, given in given })
    }

    /// Creates `topics` with `partitions` each on the cluster directly.
    public func createTopics(_ topics: [String], partitions: Int, replicationFactor: Int = 1) throws {
        for topic in topics {
            try cluster.createTopic(topic, partitions: partitions, replicationFactor: replicationFactor)
        }
    }

    /// An idempotent producer lingering 1 ms, adjusted by `adjust`.
    public func producer(_ adjust: (inout ProducerConfiguration) -> Void = { _ in }) throws -> KafkaProducer {
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.linger = .milliseconds(1)
        adjust(&configuration)
        return try KafkaProducer(configuration: configuration, logger: quietLogger)
    }

    /// A consumer of `group` with a 6 s session and a 15 s poll interval, adjusted by `adjust`.
    public func consumer(
        group: String, onRebalance: (@Sendable (RebalanceEvent) -> Void)? = nil,
        _ adjust: (inout ConsumerConfiguration) -> Void = { _ in }
    ) throws -> KafkaConsumer {
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: group)
        configuration.sessionTimeout = .seconds(6)
        configuration.maxPollInterval = .seconds(15)
        adjust(&configuration)
        return try KafkaConsumer(configuration: configuration, logger: quietLogger, onRebalance: onRebalance)
    }
}
