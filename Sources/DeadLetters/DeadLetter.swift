import Foundation
import Kafka
import Payments

/// Why a record was dead-lettered: the `dlt.reason` header.
public enum DeadLetterReason: String, Sendable, CaseIterable {
    case invalidEvent = "invalid_event"
    case unknownTenant = "unknown_tenant"
    case oversized
    /// A valid event the response schema the bridge writes (`bridge.schemaVersion`) cannot carry.
    case unsupportedBySchema = "unsupported_by_schema"
    case decodeError = "decode_error"
    case httpStatus = "http_status"
    case retriesExhausted = "retries_exhausted"
    case endpointGone = "endpoint_gone"
    case endpointBlocked = "endpoint_blocked"
}

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

/// What went wrong with a record, to be told in its DLT headers.
public struct DeadLetterCause: Sendable {
    public var reason: DeadLetterReason
    /// Human-readable; must not contain secrets or the record's payload.
    public var error: String
    public var httpStatus: Int?
    public var attempts: Int
    public var firstAttempt: Date
    public var lastAttempt: Date

    public init(reason: DeadLetterReason, error: String, httpStatus: Int? = nil, attempts: Int = 1,
                firstAttempt: Date = Date(), lastAttempt: Date? = nil) {
        self.reason = reason
        self.error = error
        self.httpStatus = httpStatus
        self.attempts = attempts
        self.firstAttempt = firstAttempt
        self.lastAttempt = lastAttempt ?? firstAttempt
    }
}

public enum DeadLetter {
    /// The record to write to the DLT: key, value and original headers byte-for-byte, then the
    /// DLT headers. Times are ISO-8601 UTC with milliseconds.
    public static func record(for original: ConsumerRecord, cause: DeadLetterCause, consumerGroup: String) -> ProducerRecord {
        var headers = original.headers
        headers.append(KafkaHeader(DeadLetterHeader.originalTopic, original.topic))
        headers.append(KafkaHeader(DeadLetterHeader.originalPartition, String(original.partition)))
        headers.append(KafkaHeader(DeadLetterHeader.originalOffset, String(original.offset)))
        if let timestamp = original.timestamp {
            headers.append(KafkaHeader(DeadLetterHeader.originalTimestamp, iso8601(milliseconds: timestamp)))
        }
        headers.append(KafkaHeader(DeadLetterHeader.reason, cause.reason.rawValue))
        headers.append(KafkaHeader(DeadLetterHeader.error, String(cause.error.prefix(1000))))
        if let status = cause.httpStatus {
            headers.append(KafkaHeader(DeadLetterHeader.httpStatus, String(status)))
        }
        headers.append(KafkaHeader(DeadLetterHeader.attempts, String(cause.attempts)))
        headers.append(KafkaHeader(DeadLetterHeader.firstAttempt, iso8601(cause.firstAttempt)))
        headers.append(KafkaHeader(DeadLetterHeader.lastAttempt, iso8601(cause.lastAttempt)))
        headers.append(KafkaHeader(DeadLetterHeader.consumerGroup, consumerGroup))
        return ProducerRecord(topic: PaymentTopics.deadLetter(of: original.topic), key: original.key, value: original.value,
                              headers: headers, timestamp: original.timestamp)
    }

    public static func iso8601(milliseconds: Int64) -> String {
        iso8601(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    public static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
