import Kafka

/// An in-process Kafka cluster (librdkafka's mock cluster) listening on 127.0.0.1: the
/// `embedded` bootstrap value for development and demos, and fault injection for tests.
///
/// Clients reach it through `configuration(clientID:properties:)`, which carries what the mock
/// needs of them (`profile`); a configuration built from `bootstrapServers` alone treats it as an
/// ordinary Kafka cluster. A configuration keeps its cluster alive.
///
/// Limits of librdkafka 2.0.2's mock: no admin API (topics are created through this type, or
/// auto-created with 4 partitions), aborted transactional records are not hidden from
/// read_committed consumers, and old producers are not fenced.
public final class EmbeddedKafkaCluster: KafkaTopicCreator {
    private let mock: RDKafkaMockCluster
    public let brokerCount: Int

    public init(brokers: Int = 3) throws(KafkaError) {
        mock = try RDKafkaMockCluster(brokers: brokers)
        brokerCount = brokers
    }

    /// "127.0.0.1:port,…" of the mock brokers.
    public var bootstrapServers: String { mock.bootstrapServers }

    /// What this cluster asks of its clients: metadata refreshed every second, consumers' idle
    /// fetches answered after 10 ms (the mock answers an idle Fetch only after
    /// `fetch.wait.max.ms`), and topics created through the mock, which has no admin API.
    public var profile: KafkaClusterProfile {
        KafkaClusterProfile(
            clientProperties: ["topic.metadata.refresh.interval.ms": "1000"],
            consumerProperties: ["fetch.wait.max.ms": "10"],
            topicCreator: self)
    }

    /// The configuration of clients of this cluster; `properties` win over the profile's.
    public func configuration(clientID: String = "payments-bridge", properties: [String: String] = [:])
        -> KafkaConfiguration
    {
        KafkaConfiguration(
            bootstrapServers: bootstrapServers, clientID: clientID, properties: properties,
            clusterProfile: profile)
    }

    /// Creates the topic `name` (an existing topic is left as it is), with the replication factor
    /// clamped to the broker count.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        try mock.createTopic(name, partitions: partitions, replicationFactor: min(replicationFactor, brokerCount))
    }

    // MARK: Fault injection

    /// Broker ids are 1…brokerCount.
    public func setBrokerDown(_ broker: Int32) throws(KafkaError) { try mock.setBrokerDown(broker) }
    public func setBrokerUp(_ broker: Int32) throws(KafkaError) { try mock.setBrokerUp(broker) }

    public func setAllBrokers(up: Bool) throws(KafkaError) {
        for broker in 1...Int32(brokerCount) {
            if up { try mock.setBrokerUp(broker) } else { try mock.setBrokerDown(broker) }
        }
    }

    /// Adds latency to every request a broker answers.
    public func setRoundTripTime(_ broker: Int32, _ rtt: Duration) throws(KafkaError) {
        try mock.setRoundTripTime(broker, milliseconds: RDKafkaMockCluster.milliseconds(rtt))
    }

    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try mock.setPartitionLeader(topic, partition: partition, broker: broker)
    }

    /// The next requests of `api` fail with `errors`, one each, in order.
    public func failNextRequests(_ api: KafkaAPI, with errors: [KafkaErrorCode]) {
        mock.pushRequestErrors(apiKey: api.rawValue, errors: errors)
    }

    public func clearRequestErrors(_ api: KafkaAPI) { mock.clearRequestErrors(apiKey: api.rawValue) }

    /// `broker` answers its next request of `api` only after `delay` (and without error).
    public func delayNextRequest(_ api: KafkaAPI, onBroker broker: Int32, by delay: Duration) throws(KafkaError) {
        try mock.delayNextRequest(
            broker: broker, apiKey: api.rawValue, milliseconds: RDKafkaMockCluster.milliseconds(delay))
    }
}
