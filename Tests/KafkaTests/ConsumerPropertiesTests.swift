import KafkaEmbedded
import TestSupport
import Testing

@testable import Kafka

@Suite("Consumer properties")
struct ConsumerPropertiesTests {
    @Test(
        "the fetcher rests 10 ms, not librdkafka's 1 s, when its queue is full; only where librdkafka knows the property"
    )
    func fetchQueueBackoff() throws {
        let configuration = ConsumerConfiguration(
            kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), groupID: "g")
        let backoff = configuration.properties()["fetch.queue.backoff.ms"]
        if KafkaLibrary.versionNumber >= 0x0201_0000 {
            #expect(backoff == "10")
        } else {
            #expect(backoff == nil, "librdkafka \(KafkaLibrary.version) refuses unknown properties")
        }
        // Whatever the version, a consumer is created with these properties.
        let consumer = try KafkaConsumer(configuration: configuration, logger: quietLogger)
        _ = consumer
    }

    @Test("the embedded cluster's configuration carries what its clients need; its bootstrap addresses alone do not")
    func embeddedClusterProfile() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let embedded = ConsumerConfiguration(kafka: cluster.configuration(properties: ["log_level": "2"]), groupID: "g")
            .properties()
        #expect(embedded["topic.metadata.refresh.interval.ms"] == "1000")
        #expect(embedded["fetch.wait.max.ms"] == "10")
        #expect(embedded["bootstrap.servers"] == cluster.bootstrapServers)
        #expect(
            ProducerConfiguration(kafka: cluster.configuration()).properties()["fetch.wait.max.ms"] == nil,
            "a consumer property, not set on producers")
        let given = cluster.configuration(properties: [
            "fetch.wait.max.ms": "50", "topic.metadata.refresh.interval.ms": "500",
        ])
        let overridden = ConsumerConfiguration(kafka: given, groupID: "g").properties()
        #expect(overridden["fetch.wait.max.ms"] == "50")
        #expect(overridden["topic.metadata.refresh.interval.ms"] == "500")
        let plain = ConsumerConfiguration(
            kafka: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers), groupID: "g"
        )
        .properties()
        #expect(plain["topic.metadata.refresh.interval.ms"] == nil)
        #expect(plain["fetch.wait.max.ms"] == nil)
    }
}
