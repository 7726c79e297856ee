import CRdKafka

/// librdkafka's error code (`rd_kafka_resp_err_t`) with names for the ones this project handles.
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let noError = KafkaErrorCode(rawValue: 0)
    // Client-side codes (negative).
    public static let badMessage = KafkaErrorCode(rawValue: -199)
    public static let destroy = KafkaErrorCode(rawValue: -197)
    public static let fail = KafkaErrorCode(rawValue: -196)
    public static let transport = KafkaErrorCode(rawValue: -195)
    public static let allBrokersDown = KafkaErrorCode(rawValue: -187)
    public static let timedOut = KafkaErrorCode(rawValue: -185)
    public static let queueFull = KafkaErrorCode(rawValue: -184)
    public static let unknownPartition = KafkaErrorCode(rawValue: -190)
    public static let unknownTopicClient = KafkaErrorCode(rawValue: -188)
    public static let invalidArgument = KafkaErrorCode(rawValue: -186)
    public static let messageTimedOut = KafkaErrorCode(rawValue: -192)
    public static let state = KafkaErrorCode(rawValue: -172)
    public static let fenced = KafkaErrorCode(rawValue: -144)
    public static let fatal = KafkaErrorCode(rawValue: -150)
    public static let purgeQueue = KafkaErrorCode(rawValue: -152)
    public static let purgeInflight = KafkaErrorCode(rawValue: -151)
    public static let notImplemented = KafkaErrorCode(rawValue: -170)
    /// Not librdkafka's: the caller's task was cancelled while waiting for an outcome.
    public static let waitCancelled = KafkaErrorCode(rawValue: -20_000)
    // Kafka protocol codes.
    public static let unknownTopicOrPartition = KafkaErrorCode(rawValue: 3)
    public static let messageTooLarge = KafkaErrorCode(rawValue: 10)
    public static let notLeaderForPartition = KafkaErrorCode(rawValue: 6)
    public static let requestTimedOut = KafkaErrorCode(rawValue: 7)
    public static let coordinatorLoadInProgress = KafkaErrorCode(rawValue: 14)
    public static let coordinatorNotAvailable = KafkaErrorCode(rawValue: 15)
    public static let notCoordinator = KafkaErrorCode(rawValue: 16)
    public static let recordListTooLarge = KafkaErrorCode(rawValue: 18)
    public static let notEnoughReplicas = KafkaErrorCode(rawValue: 19)
    public static let illegalGeneration = KafkaErrorCode(rawValue: 22)
    public static let rebalanceInProgress = KafkaErrorCode(rawValue: 27)
    public static let topicAlreadyExists = KafkaErrorCode(rawValue: 36)
    public static let invalidProducerEpoch = KafkaErrorCode(rawValue: 47)
    public static let invalidTransactionState = KafkaErrorCode(rawValue: 48)
    public static let concurrentTransactions = KafkaErrorCode(rawValue: 51)
    public static let invalidRecord = KafkaErrorCode(rawValue: 87)
    public static let producerFenced = KafkaErrorCode(rawValue: 90)

    /// librdkafka's symbolic name, e.g. `_QUEUE_FULL` or `NOT_LEADER_FOR_PARTITION`.
    public var name: String { self == .waitCancelled ? "WAIT_CANCELLED" : RDKafkaErrors.name(of: rawValue) }
    public var description: String { name }
}
