/// The contract's DLT header names.
public enum DeadLetterHeader {
    public static let originalTopic = "dlt.original.topic"
    public static let originalPartition = "dlt.original.partition"
    public static let originalOffset = "dlt.original.offset"
    public static let originalTimestamp = "dlt.original.timestamp"
    public static let reason = "dlt.reason"
    public static let error = "dlt.error"
    public static let httpStatus = "dlt.http.status"
    public static let attempts = "dlt.attempts"
    public static let firstAttempt = "dlt.first.attempt"
    public static let lastAttempt = "dlt.last.attempt"
    public static let consumerGroup = "dlt.consumer.group"
    public static let replayedFrom = "dlt.replayed.from"
}
