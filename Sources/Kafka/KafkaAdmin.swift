import Logging
import Synchronization

/// What the cluster reports about itself.
public struct ClusterMetadata: Sendable, Equatable {
    public var brokerIDs: [Int32]
    /// Topic name → partition count.
    public var topics: [String: Int]
}

/// A topic to create.
public struct TopicSpecification: Sendable, Equatable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Topic configuration, e.g. `retention.ms`.
    public var config: [String: String]

    /// - Parameter maxRecordBytes: the largest record producers write to it; the topic's
    ///   `max.message.bytes` (a limit on a whole record batch) leaves room for the batch framing.
    public init(name: String, partitions: Int, replicationFactor: Int, retention: Duration? = nil,
                maxRecordBytes: Int? = nil, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
        if let retention {
            self.config["retention.ms"] = String(retention.components.seconds * 1000)
        }
        if let maxRecordBytes {
            self.config["max.message.bytes"] = String(max(maxRecordBytes, Self.brokerDefault) + Self.batchFraming)
        }
    }

    /// The limit applies to a whole (compressed) record batch, and producers batch many small
    /// records up to `batch.size` (1,000,000 bytes): never below Kafka's default (1,048,588)...
    static let brokerDefault = 1_048_576
    /// ...plus a record batch's header and one record's framing, with room to spare.
    static let batchFraming = 1024
}

/// Topic administration. On a cluster without an admin API (the embedded broker) topics are
/// created by the configuration's `clusterProfile.topicCreator`.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient
    private let topicCreator: (any KafkaTopicCreator)?
    /// The cluster's broker count and when it was read.
    private let brokers = Mutex<(Int, ContinuousClock.Instant)?>(nil)

    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "kafka.admin")) throws(KafkaError) {
        client = try RDKafkaClient(kind: .producer, properties: configuration.render([:]), logger: logger)
        topicCreator = configuration.clusterProfile.topicCreator
    }

    public func metadata(timeout: Duration = .seconds(10)) async throws(KafkaError) -> ClusterMetadata {
        let client = self.client
        return try await client.blocking { () throws(KafkaError) in try client.metadata(timeout: timeout) }
    }

    public func listTopics(timeout: Duration = .seconds(10)) async throws(KafkaError) -> [String] {
        try await metadata(timeout: timeout).topics.keys.filter { !$0.hasPrefix("__") }.sorted()
    }

    /// Creates the topics that do not exist yet, clamping the replication factor to the number of
    /// brokers. Returns the names it created. One CreateTopics request: a topic that exists is
    /// answered "already exists", so the whole cluster's metadata (large with thousands of
    /// topics) is not fetched for every call; the broker count is, at most once a minute.
    @discardableResult
    public func createTopics(_ specs: [TopicSpecification], timeout: Duration = .seconds(30)) async throws(KafkaError) -> [String] {
        guard !specs.isEmpty else { return [] }
        if let topicCreator {
            let metadata = try await metadata(timeout: timeout)
            let missing = specs.filter { metadata.topics[$0.name] == nil }
            for spec in missing {
                try topicCreator.createTopic(spec.name, partitions: spec.partitions,
                                             replicationFactor: min(max(1, spec.replicationFactor), max(1, metadata.brokerIDs.count)))
            }
            return missing.map(\.name)
        }
        let brokers = try await brokerCount(timeout: timeout)
        let clamped = specs.map { spec in
            var clamped = spec
            clamped.replicationFactor = min(max(1, spec.replicationFactor), brokers)
            return clamped
        }
        let client = self.client
        let errors = try await client.blocking { () throws(KafkaError) in try client.createTopics(clamped, timeout: timeout) }
        if let (topic, error) = errors.filter({ $0.value.code != .topicAlreadyExists }).sorted(by: { $0.key < $1.key }).first {
            throw KafkaError(code: error.code, message: "create topic '\(topic)': \(error.message)")
        }
        return clamped.map(\.name).filter { errors[$0] == nil }
    }

    private func brokerCount(timeout: Duration) async throws(KafkaError) -> Int {
        if let (count, at) = brokers.withLock({ $0 }), ContinuousClock.now - at < .seconds(60) { return count }
        let count = max(1, try await metadata(timeout: timeout).brokerIDs.count)
        brokers.withLock { $0 = (count, ContinuousClock.now) }
        return count
    }
}
