import Kafka

/// A record waiting for (another) delivery attempt: the original response record, and how its
/// delivery has gone so far.
public struct PendingDelivery: Sendable {
    /// The response record as read (topic, partition and offset are its original coordinates).
    public var record: ConsumerRecord
    /// Failed attempts so far (0: waiting behind an earlier record of the same payment).
    public var attempts: Int
    /// Retry slots that fell due while the endpoint's circuit was open: no request was sent, but
    /// the schedule moved on, so a dead endpoint's records end at the end of the schedule.
    public var skipped: Int
    public var firstAttempt: Int64?
    public var lastAttempt: Int64?
    /// Not before this time (milliseconds since the epoch).
    public var due: Int64
    public var lastError: String?
    public var lastStatus: Int?

    public init(
        record: ConsumerRecord, attempts: Int = 0, skipped: Int = 0, firstAttempt: Int64? = nil,
        lastAttempt: Int64? = nil, due: Int64 = 0, lastError: String? = nil, lastStatus: Int? = nil
    ) {
        self.record = record
        self.attempts = attempts
        self.skipped = skipped
        self.firstAttempt = firstAttempt
        self.lastAttempt = lastAttempt
        self.due = due
        self.lastError = lastError
        self.lastStatus = lastStatus
    }

    /// The original coordinates: `topic/partition/offset`, the retry log's record key.
    public var logKey: String { RetryLog.key(record.topic, record.partition, record.offset) }
}
