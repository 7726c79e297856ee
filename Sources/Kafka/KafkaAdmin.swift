import Logging
import Synchronization
import Timing

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
    public func createTopics(_ specs: [TopicSpecification], timeout: Duration = .seconds(30)) async throws(KafkaError)
        -> [String]
    {
        guard !specs.isEmpty else { return [] }
        if let topicCreator {
            let metadata = try await metadata(timeout: timeout)
            let missing = specs.filter { metadata.topics[$0.name] == nil }
            for spec in missing {
                try topicCreator.createTopic(
                    spec.name, partitions: spec.partitions,
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
        let errors = try await client.blocking { () throws(KafkaError) in
            try client.createTopics(clamped, timeout: timeout)
        }
        if let (topic, error) = errors.filter({ $0.value.code != .topicAlreadyExists }).sorted(by: { $0.key < $1.key })
            .first
        {
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
