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
    /// When the last commit began (kept across transactions): commits are paced from it.
    var lastCommitStarted = ContinuousClock.now

    mutating func begin() {
        isOpen = true
        startedAt = .now
    }

    /// Closes the transaction's books after its commit began at `commitStarted`, keeping only
    /// what outlives it (the pacing).
    mutating func committed(startedAt commitStarted: ContinuousClock.Instant) {
        self = TransactionState()
        lastCommitStarted = commitStarted
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

    /// Due after `maxRecords`, or `maxInterval` after the previous commit began: events that came
    /// in while a commit ran (5–60 ms on a busy broker) do not wait a full interval more after
    /// it, and while the broker keeps up, commits still come at most once per interval.
    func isDue(maxRecords: Int, maxInterval: Duration, now: ContinuousClock.Instant = .now) -> Bool {
        isOpen && (count >= maxRecords || now - lastCommitStarted >= maxInterval)
    }

    /// How long until the open transaction is due by time (at most `limit`, never negative);
    /// `limit` when none is open.
    func timeUntilDue(maxInterval: Duration, limit: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        guard isOpen else { return limit }
        return min(max(lastCommitStarted + maxInterval - now, .zero), limit)
    }
}
