/// What a cluster asks of the clients that connect to it, beyond their own settings, when it is
/// not an ordinary Kafka cluster: client properties, and how topics are created where it has no
/// admin API. Whoever creates the configuration for such a cluster sets it (the embedded cluster's
/// `EmbeddedKafkaCluster.configuration(clientID:properties:)`); `standard` asks nothing.
public struct KafkaClusterProfile: Sendable {
    /// librdkafka properties every client sets. They win over the typed settings and give way to
    /// `KafkaConfiguration.properties`.
    public var clientProperties: [String: String]
    /// librdkafka properties consumers set as well (consumer properties, which producers and admin
    /// clients would warn about). They win over the consumer's typed settings.
    public var consumerProperties: [String: String]
    /// Creates topics for `KafkaAdmin.createTopics` instead of a CreateTopics request; nil sends
    /// the request.
    public var topicCreator: (any KafkaTopicCreator)?

    public init(
        clientProperties: [String: String] = [:], consumerProperties: [String: String] = [:],
        topicCreator: (any KafkaTopicCreator)? = nil
    ) {
        self.clientProperties = clientProperties
        self.consumerProperties = consumerProperties
        self.topicCreator = topicCreator
    }

    /// An ordinary Kafka cluster: no extra properties, topics created with CreateTopics requests.
    public static let standard = KafkaClusterProfile()
}
