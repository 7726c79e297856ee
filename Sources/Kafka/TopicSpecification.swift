import Timing

/// A topic to create.
public struct TopicSpecification: Sendable, Equatable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Topic configuration, e.g. `retention.ms`.
    public var config: [String: String]

    /// - Parameter maxRecordBytes: the largest record producers write to it; the topic's
    ///   `max.message.bytes` (a limit on a whole record batch) leaves room for the batch framing.
    public init(
        name: String, partitions: Int, replicationFactor: Int, retention: Duration? = nil,
        maxRecordBytes: Int? = nil, config: [String: String] = [:]
    ) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
        if let retention {
            self.config["retention.ms"] = String(retention.milliseconds)
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
