import Synchronization

/// An in-process Kafka cluster (librdkafka's mock cluster) listening on 127.0.0.1: the
/// `embedded` bootstrap value for development and demos, and fault injection for tests.
///
/// Limits of librdkafka 2.0.2's mock: no admin API (topics are created through this type, or
/// auto-created with 4 partitions), aborted transactional records are not hidden from
/// read_committed consumers, and old producers are not fenced.
public final class EmbeddedKafkaCluster: Sendable {
    private let mock: RDKafkaMockCluster
    public let brokerCount: Int

    private static let registry = Mutex<[String: WeakCluster]>([:])

    public init(brokers: Int = 3) throws(KafkaError) {
        mock = try RDKafkaMockCluster(brokers: brokers)
        brokerCount = brokers
        let weak = WeakCluster(self)
        Self.registry.withLock { $0[mock.bootstrapServers] = weak }
    }

    deinit {
        let key = mock.bootstrapServers
        Self.registry.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// "127.0.0.1:port,…" of the mock brokers.
    public var bootstrapServers: String { mock.bootstrapServers }

    static func cluster(for bootstrapServers: String) -> EmbeddedKafkaCluster? {
        registry.withLock { $0[bootstrapServers]?.cluster }
    }

    static func isEmbedded(_ bootstrapServers: String) -> Bool { cluster(for: bootstrapServers) != nil }

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
        try mock.setRoundTripTime(broker, milliseconds: RDKafkaClient.milliseconds(rtt))
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
        try mock.delayNextRequest(broker: broker, apiKey: api.rawValue, milliseconds: RDKafkaClient.milliseconds(delay))
    }
}

/// Kafka protocol request types, for fault injection.
public struct KafkaAPI: RawRepresentable, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let produce = KafkaAPI(rawValue: 0)
    public static let fetch = KafkaAPI(rawValue: 1)
    public static let offsetCommit = KafkaAPI(rawValue: 8)
    public static let findCoordinator = KafkaAPI(rawValue: 10)
    public static let joinGroup = KafkaAPI(rawValue: 11)
    public static let heartbeat = KafkaAPI(rawValue: 12)
    public static let syncGroup = KafkaAPI(rawValue: 14)
    public static let initProducerID = KafkaAPI(rawValue: 22)
    public static let addPartitionsToTxn = KafkaAPI(rawValue: 24)
    public static let addOffsetsToTxn = KafkaAPI(rawValue: 25)
    public static let endTxn = KafkaAPI(rawValue: 26)
    public static let txnOffsetCommit = KafkaAPI(rawValue: 28)
}

private final class WeakCluster: Sendable {
    // Written once in init; read under the registry lock.
    nonisolated(unsafe) weak var cluster: EmbeddedKafkaCluster?
    init(_ cluster: EmbeddedKafkaCluster) { self.cluster = cluster }
}
