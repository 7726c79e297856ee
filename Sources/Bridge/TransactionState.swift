import Kafka

/// The open transaction: what it consumed and produced.
struct TransactionState: Sendable {
    var isOpen = false
    var startedAt = ContinuousClock.now
    var count = 0
    /// Each input partition the transaction read from, with the offsets of its first record
    /// and after its last (few partitions, and records arrive in runs of one partition: a short
    /// list searched from its end costs less per record than hashing the partition).
    private(set) var ranges: [ConsumedRange] = []
    var produced: [ResponseKey: Int] = [:]
    var deadLettered: [String: Int] = [:]
    var skipped: [String: Int] = [:]
    /// Partitions to seek back after an abort.
    var pendingRewind: [TopicPartition: Int64] = [:]

    mutating func begin() {
        isOpen = true
        startedAt = .now
    }

    mutating func consumed(_ record: ConsumerRecord) {
        count += 1
        if let index = ranges.lastIndex(where: { $0.holds(record) }) {
            ranges[index].next = record.offset + 1
        } else {
            ranges.append(
                ConsumedRange(
                    topic: record.topic, partition: record.partition, first: record.offset, next: record.offset + 1))
        }
    }

    /// Offset of the first record of each partition in the transaction (where to rewind to).
    var firstOffsets: [TopicPartition: Int64] {
        Dictionary(ranges.map { ($0.topicPartition, $0.first) }, uniquingKeysWith: min)
    }

    func isDue(maxRecords: Int, maxInterval: Duration) -> Bool {
        isOpen && (count >= maxRecords || ContinuousClock.now - startedAt >= maxInterval)
    }
}
