import Foundation
import Kafka
import Logging

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

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

func uniqueTopic(_ prefix: String = "t") -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Reads until `count` records arrived or `timeout` passed.
func read(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(30)) async -> [ConsumerRecord] {
    var records: [ConsumerRecord] = []
    let deadline = ContinuousClock.now + timeout
    while records.count < count, ContinuousClock.now < deadline {
        records += await consumer.poll(timeout: .milliseconds(200))
    }
    return records
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
