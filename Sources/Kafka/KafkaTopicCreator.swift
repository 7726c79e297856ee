/// Creates topics on a cluster that has no admin API (librdkafka's mock cluster), for
/// `KafkaAdmin.createTopics`; set through `KafkaClusterProfile.topicCreator`.
public protocol KafkaTopicCreator: Sendable {
    /// Creates the topic `name`; a topic that exists already is left as it is, without error.
    /// `replicationFactor` is already clamped to the cluster's broker count.
    func createTopic(_ name: String, partitions: Int, replicationFactor: Int) throws(KafkaError)
}
