/// A group consumer with manual offset management and cooperative rebalancing.
public struct ConsumerConfiguration: Sendable {
    public enum OffsetReset: String, Sendable { case earliest, latest, error }
    public enum IsolationLevel: String, Sendable {
        case readCommitted = "read_committed"
        case readUncommitted = "read_uncommitted"
    }

    public var kafka: KafkaConfiguration
    /// `group.id`.
    public var groupID: String
    /// `auto.offset.reset`: where to start when the group has no committed offset.
    public var offsetReset: OffsetReset = .earliest
    /// `isolation.level`.
    public var isolationLevel: IsolationLevel = .readCommitted
    /// `partition.assignment.strategy`: cooperative-sticky (incremental rebalancing) where the
    /// loaded librdkafka is 2.3.0 or newer. Older ones abort the process when a cooperative-sticky
    /// consumer is closed before its first assignment (librdkafka issue #4312, fixed in 2.3.0),
    /// so on Debian's 2.0.2 the eager `range` assignor is used. Rebalance handling supports both.
    public var assignmentStrategy: String = ConsumerConfiguration.defaultAssignmentStrategy

    public static var defaultAssignmentStrategy: String {
        RDKafkaLibrary.versionNumber >= 0x0203_0000 ? "cooperative-sticky" : "range"
    }
    /// `enable.auto.commit`: off by default; callers commit what they have processed.
    public var autoCommit: Bool = false
    /// `session.timeout.ms`.
    public var sessionTimeout: Duration = .seconds(10)
    /// `max.poll.interval.ms`.
    public var maxPollInterval: Duration = .seconds(300)
    /// Records taken from librdkafka per hop off the cooperative pool.
    public var pollBatchSize: Int = 500
    /// `queued.max.messages.kbytes`: how much librdkafka fetches ahead of the reader.
    public var prefetchKilobytes: Int = 65_536
    /// `fetch.queue.backoff.ms` (librdkafka 2.1 and later): how long the fetcher rests once the
    /// prefetch queue is over its thresholds. librdkafka's 1 s left a reader that keeps up idle
    /// for most of a second each time its queue had filled (the bridge ran 20–40 % slower).
    public var fetchQueueBackoff: Duration = .milliseconds(10)

    public init(kafka: KafkaConfiguration, groupID: String) {
        self.kafka = kafka
        self.groupID = groupID
    }

    func properties() -> [String: String] {
        var typed = [
            "group.id": groupID,
            "auto.offset.reset": offsetReset.rawValue,
            "isolation.level": isolationLevel.rawValue,
            "partition.assignment.strategy": assignmentStrategy,
            "enable.auto.commit": autoCommit ? "true" : "false",
            "enable.auto.offset.store": "false",
            "enable.partition.eof": "false",
            "session.timeout.ms": "\(RDKafkaClient.milliseconds(sessionTimeout))",
            "max.poll.interval.ms": "\(RDKafkaClient.milliseconds(maxPollInterval))",
            "queued.max.messages.kbytes": "\(prefetchKilobytes)",
        ]
        if RDKafkaLibrary.versionNumber >= 0x0201_0000 {
            typed["fetch.queue.backoff.ms"] = "\(RDKafkaClient.milliseconds(fetchQueueBackoff))"
        }
        typed.merge(kafka.clusterProfile.consumerProperties) { _, cluster in cluster }
        return kafka.render(typed)
    }
}
