@testable import Kafka
import TestSupport
import Testing

@Suite("Consumer properties")
struct ConsumerPropertiesTests {
    @Test("the fetcher rests 10 ms, not librdkafka's 1 s, when its queue is full; only where librdkafka knows the property")
    func fetchQueueBackoff() throws {
        let configuration = ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), groupID: "g")
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
}
