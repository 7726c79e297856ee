import Foundation
import Kafka
import Payments
import Timing

public enum DeadLetter {
    /// The record to write to the DLT: key, value and original headers byte-for-byte, then the
    /// DLT headers. Times are ISO-8601 UTC with milliseconds.
    public static func record(for original: ConsumerRecord, cause: DeadLetterCause, consumerGroup: String)
        -> ProducerRecord
    {
        var headers = original.headers
        headers.append(KafkaHeader(DeadLetterHeader.originalTopic, original.topic))
        headers.append(KafkaHeader(DeadLetterHeader.originalPartition, String(original.partition)))
        headers.append(KafkaHeader(DeadLetterHeader.originalOffset, String(original.offset)))
        if let timestamp = original.timestamp {
            headers.append(KafkaHeader(DeadLetterHeader.originalTimestamp, ISO8601.string(milliseconds: timestamp)))
        }
        headers.append(KafkaHeader(DeadLetterHeader.reason, cause.reason.rawValue))
        headers.append(KafkaHeader(DeadLetterHeader.error, String(cause.error.prefix(1000))))
        if let status = cause.httpStatus {
            headers.append(KafkaHeader(DeadLetterHeader.httpStatus, String(status)))
        }
        headers.append(KafkaHeader(DeadLetterHeader.attempts, String(cause.attempts)))
        headers.append(KafkaHeader(DeadLetterHeader.firstAttempt, ISO8601.string(cause.firstAttempt)))
        headers.append(KafkaHeader(DeadLetterHeader.lastAttempt, ISO8601.string(cause.lastAttempt)))
        headers.append(KafkaHeader(DeadLetterHeader.consumerGroup, consumerGroup))
        return ProducerRecord(
            topic: PaymentTopics.deadLetter(of: original.topic), key: original.key, value: original.value,
            headers: headers, timestamp: original.timestamp)
    }
}
