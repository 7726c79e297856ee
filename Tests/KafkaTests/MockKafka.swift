import Foundation
import Kafka
import Logging
import TestSupport

/// A fresh embedded (mock) cluster per test, with helpers to produce and read back.
struct MockKafka {
    let cluster: EmbeddedKafkaCluster
    let kafka: KafkaConfiguration

    init(brokers: Int = 3) throws {
        cluster = try EmbeddedKafkaCluster(brokers: brokers)
        kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: "kafka-tests",
                                   properties: ["log_level": "2"])
    }

    func producer(_ adjust: (inout ProducerConfiguration) -> Void = { _ in }) throws -> KafkaProducer {
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.linger = .milliseconds(1)
        adjust(&configuration)
        return try KafkaProducer(configuration: configuration, logger: quietLogger)
    }

    func consumer(group: String, onRebalance: (@Sendable (RebalanceEvent) -> Void)? = nil,
                  _ adjust: (inout ConsumerConfiguration) -> Void = { _ in }) throws -> KafkaConsumer {
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: group)
        configuration.sessionTimeout = .seconds(6)
        configuration.maxPollInterval = .seconds(15)
        adjust(&configuration)
        return try KafkaConsumer(configuration: configuration, logger: quietLogger, onRebalance: onRebalance)
    }
}

