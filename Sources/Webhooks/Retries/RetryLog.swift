import Kafka
import Logging

/// The durable home of pending retries: an internal compacted topic with one entry per pending
/// record (key = its original coordinates; a tombstone once it is delivered or dead-lettered).
/// The sink writes an entry before it commits past a record, and reads the entries of its
/// partitions back when it is assigned them (after a restart or a rebalance), so no pending
/// retry is lost and per-payment order survives.
public enum RetryLog {
    static let headerPrefix = "sink.retry."
    enum Header {
        static let topic = "sink.retry.topic"
        static let partition = "sink.retry.partition"
        static let offset = "sink.retry.offset"
        static let timestamp = "sink.retry.timestamp"
        static let key = "sink.retry.key"
        static let attempts = "sink.retry.attempts"
        static let skipped = "sink.retry.skipped"
        static let firstAttempt = "sink.retry.first"
        static let lastAttempt = "sink.retry.last"
        static let due = "sink.retry.due"
        static let error = "sink.retry.error"
        static let status = "sink.retry.status"
    }

    static func key(_ topic: String, _ partition: Int32, _ offset: Int64) -> String {
        "\(topic)/\(partition)/\(offset)"
    }

    /// The entry for `pending`: original value and headers byte-for-byte, its state in headers.
    static func entry(_ pending: PendingDelivery, topic: String) -> ProducerRecord {
        let r = pending.record
        var headers = r.headers
        headers.append(KafkaHeader(Header.topic, r.topic))
        headers.append(KafkaHeader(Header.partition, String(r.partition)))
        headers.append(KafkaHeader(Header.offset, String(r.offset)))
        if let timestamp = r.timestamp { headers.append(KafkaHeader(Header.timestamp, String(timestamp))) }
        if let key = r.key { headers.append(KafkaHeader(name: Header.key, value: key)) }
        headers.append(KafkaHeader(Header.attempts, String(pending.attempts)))
        if pending.skipped > 0 { headers.append(KafkaHeader(Header.skipped, String(pending.skipped))) }
        if let first = pending.firstAttempt { headers.append(KafkaHeader(Header.firstAttempt, String(first))) }
        if let last = pending.lastAttempt { headers.append(KafkaHeader(Header.lastAttempt, String(last))) }
        headers.append(KafkaHeader(Header.due, String(pending.due)))
        if let error = pending.lastError { headers.append(KafkaHeader(Header.error, String(error.prefix(500)))) }
        if let status = pending.lastStatus { headers.append(KafkaHeader(Header.status, String(status))) }
        return ProducerRecord(topic: topic, key: Array(pending.logKey.utf8), value: r.value ?? [], headers: headers)
    }

    /// The tombstone that resolves `pending`'s entry.
    static func tombstone(_ pending: PendingDelivery, topic: String) -> ProducerRecord {
        ProducerRecord(topic: topic, key: Array(pending.logKey.utf8), value: nil)
    }

    /// Reads an entry back; nil for tombstones and records that are not entries.
    static func pending(from entry: ConsumerRecord) -> PendingDelivery? {
        guard let value = entry.value else { return nil }
        let headers = entry.headers
        func text(_ name: String) -> String? { headers.last(named: name)?.stringValue }
        guard let topic = text(Header.topic), let partition = text(Header.partition).flatMap({ Int32($0) }),
            let offset = text(Header.offset).flatMap({ Int64($0) }),
            let attempts = text(Header.attempts).flatMap({ Int($0) }),
            let due = text(Header.due).flatMap({ Int64($0) })
        else { return nil }
        let original = ConsumerRecord(
            topic: topic, partition: partition, offset: offset, key: headers.last(named: Header.key)?.value,
            value: value, headers: headers.filter { !$0.name.hasPrefix(headerPrefix) },
            timestamp: text(Header.timestamp).flatMap { Int64($0) })
        return PendingDelivery(
            record: original, attempts: attempts, skipped: text(Header.skipped).flatMap { Int($0) } ?? 0,
            firstAttempt: text(Header.firstAttempt).flatMap { Int64($0) },
            lastAttempt: text(Header.lastAttempt).flatMap { Int64($0) },
            due: due, lastError: text(Header.error),
            lastStatus: text(Header.status).flatMap { Int($0) })
    }

    /// The retry log's topic: compacted, with segments that roll often enough for compaction to
    /// drop resolved entries within hours (the active segment is never compacted), and
    /// tombstones kept for a day so a reader that was behind still sees them.
    static func specification(topic: String, partitions: Int, replicationFactor: Int, maxRecordBytes: Int? = nil)
        -> TopicSpecification
    {
        TopicSpecification(
            name: topic, partitions: partitions, replicationFactor: replicationFactor,
            maxRecordBytes: maxRecordBytes,
            config: [
                "cleanup.policy": "compact",
                "segment.ms": "3600000",
                "min.cleanable.dirty.ratio": "0.1",
                "delete.retention.ms": "86400000",
            ])
    }

    /// The pending entries of `partitions` (original response partitions), read from the whole
    /// log up to its current end: latest state per entry, tombstoned ones left out, in original
    /// offset order.
    static func load(
        topic: String, for partitions: Set<TopicPartition>, kafka: KafkaConfiguration,
        logger: Logger, stall: Duration = .seconds(30)
    ) async throws -> [TopicPartition: [PendingDelivery]] {
        guard !partitions.isEmpty else { return [:] }
        var latest: [String: PendingDelivery?] = [:]
        do {
            try await TopicSnapshot.read(topic, kafka: kafka, logger: logger, timeout: stall) { record in
                guard let key = record.key.flatMap({ String(validating: $0, as: UTF8.self) }) else { return }
                if let pending = pending(from: record) {
                    latest[key] = partitions.contains(pending.record.topicPartition) ? pending : nil
                } else {
                    latest[key] = .some(nil)
                }
            }
        } catch let error as KafkaError where error.code == .unknownTopicOrPartition {
            return [:]  // no retry log yet: nothing was ever pending
        }
        var result: [TopicPartition: [PendingDelivery]] = [:]
        for case let pending? in latest.values {
            result[pending.record.topicPartition, default: []].append(pending)
        }
        for key in result.keys { result[key]?.sort { $0.record.offset < $1.record.offset } }
        logger.debug(
            "retry log loaded",
            metadata: ["topic": "\(topic)", "pending": "\(result.values.reduce(0) { $0 + $1.count })"])
        return result
    }
}
