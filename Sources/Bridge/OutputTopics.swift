import Kafka
import Payments

/// How the bridge's topics are created: with the configured partitions per channel, replication
/// factor and retention (responses and DLTs), and room for the largest record written to them.
struct OutputTopics: Sendable {
    var partitions: [PaymentChannel: Int]
    var replicationFactor: Int
    var retention: Duration
    var deadLetterRetention: Duration
    var maxRecordBytes: Int

    /// A response topic and its DLT, with the channel's partition count.
    func specifications(responseTopic topic: String, channel: PaymentChannel) -> [TopicSpecification] {
        let partitions = self.partitions[channel] ?? 1
        return [
            specification(topic, partitions: partitions, retention: retention),
            specification(PaymentTopics.deadLetter(of: topic), partitions: partitions, retention: deadLetterRetention),
        ]
    }

    /// A DLT on its own (the input topic's).
    func specification(deadLetterTopic topic: String, partitions: Int) -> TopicSpecification {
        specification(topic, partitions: partitions, retention: deadLetterRetention)
    }

    private func specification(_ name: String, partitions: Int, retention: Duration) -> TopicSpecification {
        TopicSpecification(
            name: name, partitions: partitions, replicationFactor: replicationFactor, retention: retention,
            maxRecordBytes: maxRecordBytes)
    }
}
