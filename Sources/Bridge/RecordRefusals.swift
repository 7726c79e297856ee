import Kafka

/// Which input records to dead-letter because Kafka refuses what the bridge would write for
/// them (a record too large for the topic, or not a valid record): without this, such a record
/// fails its transaction every time it is read again, and holds its partition forever.
///
/// A refusal found when a record is handed to librdkafka is dead-lettered at once. One the
/// broker reports fails the whole transaction without saying which record it was: the
/// transaction's records are then read again one per transaction ("isolated") until the
/// transaction of a single record fails; that record is dead-lettered `oversized` when read
/// again, and, should its dead-letter copy be refused as well, dead-lettered without its value.
///
/// A value type: the bridge reports transactions that failed with a refusal and transactions
/// that committed, and asks about each record it reads.
struct RecordRefusals: Sendable {
    struct Refusal: Sendable, Equatable {
        /// What Kafka said, for the `dlt.error` header.
        var error: String
        /// The dead-letter copy was refused too: write it without the original value.
        var withoutValue = false
    }

    /// Per partition: records before this offset are committed one per transaction.
    private(set) var isolating: [TopicPartition: Int64] = [:]
    /// Per partition and offset: records to dead-letter when read again.
    private(set) var refused: [TopicPartition: [Int64: Refusal]] = [:]

    func refusal(of record: ConsumerRecord) -> Refusal? {
        refused[record.topicPartition]?[record.offset]
    }

    /// Whether `record` must be committed in a transaction of its own.
    func isolates(_ record: ConsumerRecord) -> Bool {
        guard let end = isolating[record.topicPartition] else { return false }
        return record.offset < end
    }

    /// A transaction holding `records` input records of `ranges` failed because Kafka refused
    /// one of its records. False when nothing more can be done: the record's dead-letter copy,
    /// without its value, was refused too (the dead-letter topic itself is unusable).
    @discardableResult
    mutating func transactionFailed(records: Int, ranges: [ConsumedRange], error: KafkaError) -> Bool {
        if records == 1, let only = ranges.first {
            let partition = only.topicPartition
            if var known = refused[partition]?[only.first] {
                guard !known.withoutValue else { return false }
                known.withoutValue = true
                known.error += "; its dead-letter copy was refused too (\(error.code.name))"
                refused[partition]?[only.first] = known
            } else {
                refused[partition, default: [:]][only.first] = Refusal(
                    error: "Kafka refused the record written for this event: \(error)")
            }
            return true
        }
        for range in ranges {
            isolating[range.topicPartition] = max(isolating[range.topicPartition] ?? range.next, range.next)
        }
        return true
    }

    /// A transaction committed these ranges: their refusals are dead-lettered, and isolation
    /// ends where it has passed the records it covered.
    mutating func committed(_ ranges: [ConsumedRange]) {
        for range in ranges {
            let partition = range.topicPartition
            if let end = isolating[partition], end <= range.next { isolating[partition] = nil }
            if var offsets = refused[partition] {
                offsets = offsets.filter { $0.key >= range.next }
                refused[partition] = offsets.isEmpty ? nil : offsets
            }
        }
    }

    /// Partitions given up: the next owner finds their refusals again by itself.
    mutating func forget(_ partitions: [TopicPartition]) {
        for partition in partitions {
            isolating[partition] = nil
            refused[partition] = nil
        }
    }

    var isEmpty: Bool { isolating.isEmpty && refused.isEmpty }
}
