import Kafka
import TestSupport
import Testing

@Suite("Topic administration")
struct AdminTests {
    @Test("missing topics are created with their partitions; existing ones are left alone")
    func createTopics() async throws {
        let mock = try MockKafka(brokers: 2, clientID: "kafka-tests")
        let admin = try KafkaAdmin(configuration: mock.kafka, logger: quietLogger)
        let a = uniqueTopic("a")
        let b = uniqueTopic("b")
        let created = try await admin.createTopics([
            TopicSpecification(name: a, partitions: 7, replicationFactor: 3, retention: .seconds(7 * 86_400)),
            TopicSpecification(name: b, partitions: 2, replicationFactor: 1),
        ])
        #expect(Set(created) == [a, b])
        let metadata = try await admin.metadata()
        #expect(metadata.brokerIDs.count == 2)
        #expect(metadata.topics[a] == 7)
        #expect(metadata.topics[b] == 2)
        let again = try await admin.createTopics([TopicSpecification(name: a, partitions: 7, replicationFactor: 1)])
        #expect(again.isEmpty)
        #expect(try await admin.listTopics().contains(a))
    }

    @Test("the provisioner creates missing topics once, and asks for each topic only once")
    func provisioner() async throws {
        let mock = try MockKafka()
        let admin = try KafkaAdmin(configuration: mock.kafka, logger: quietLogger)
        let provisioner = TopicProvisioner(admin: admin, logger: quietLogger)
        let a = uniqueTopic("a")
        let b = uniqueTopic("b")
        await provisioner.ensure([TopicSpecification(name: a, partitions: 3, replicationFactor: 1)])
        await provisioner.ensure([
            TopicSpecification(name: a, partitions: 5, replicationFactor: 1),
            TopicSpecification(name: b, partitions: 2, replicationFactor: 1),
        ])
        let metadata = try await admin.metadata()
        #expect(metadata.topics[a] == 3)
        #expect(metadata.topics[b] == 2)
    }

    @Test("a topic specification renders retention in milliseconds")
    func retention() {
        let spec = TopicSpecification(name: "x", partitions: 1, replicationFactor: 1, retention: .seconds(30 * 86_400))
        #expect(spec.config["retention.ms"] == "2592000000")
    }

    @Test("an unknown librdkafka property is rejected, naming the property")
    func badProperty() throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        var kafka = mock.kafka
        kafka.properties["no.such.property"] = "1"
        let error = #expect(throws: KafkaError.self) { _ = try KafkaAdmin(configuration: kafka) }
        #expect(error?.message.contains("no.such.property") == true)
    }
}

@Suite("Consumer defaults")
struct ConsumerDefaultsTests {
    @Test("cooperative-sticky is used only on librdkafka versions without the close-before-assignment abort")
    func assignmentStrategy() {
        let expected = KafkaLibrary.versionNumber >= 0x0203_0000 ? "cooperative-sticky" : "range"
        #expect(ConsumerConfiguration.defaultAssignmentStrategy == expected)
        #expect(
            ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), groupID: "g")
                .assignmentStrategy == expected)
    }
}

@Suite("Topic specification")
struct TopicSpecificationTests {
    @Test(
        "a topic's max.message.bytes covers the largest record and never falls below Kafka's default (producers batch up to 1,000,000 bytes)"
    )
    func recordLimit() {
        #expect(
            TopicSpecification(name: "t", partitions: 1, replicationFactor: 1, maxRecordBytes: 4096 + 65_536)
                .config["max.message.bytes"] == "1049600")
        #expect(
            TopicSpecification(name: "t", partitions: 1, replicationFactor: 1, maxRecordBytes: 1_048_576 + 65_536)
                .config["max.message.bytes"] == "1115136")
        #expect(TopicSpecification(name: "t", partitions: 1, replicationFactor: 1).config["max.message.bytes"] == nil)
    }
}
