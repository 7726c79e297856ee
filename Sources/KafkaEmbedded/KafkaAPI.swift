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
