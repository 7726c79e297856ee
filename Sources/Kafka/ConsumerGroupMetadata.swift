/// The consumer group's identity and generation, sent with a transaction's offsets so that a
/// zombie member cannot commit.
public struct ConsumerGroupMetadata: Sendable {
    let storage: RDKafkaGroupMetadata
    init(_ storage: RDKafkaGroupMetadata) { self.storage = storage }
}
