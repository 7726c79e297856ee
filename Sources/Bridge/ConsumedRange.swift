import Kafka

/// The records of one input partition in a transaction.
struct ConsumedRange: Sendable {
    let topic: String
    let partition: Int32
    /// The offset of the first record (where to rewind to).
    let first: Int64
    /// The offset after the last record (what to commit).
    var next: Int64

    /// Whether `record` comes from this range's partition.
    func holds(_ record: ConsumerRecord) -> Bool { record.partition == partition && record.topic == topic }
    var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}
