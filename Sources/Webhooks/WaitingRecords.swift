import Kafka
import NIOCore

/// Records the poll loop has fetched but not handed to the state machine yet, in offset order
/// per partition: those of a partition whose window or tenant budget is full, and all of them
/// while the schema registry does not answer. Kept per partition so that a poll costs work for
/// the partitions that have records, not for every record that waits.
struct WaitingRecords {
    private var queues: [TopicPartition: CircularBuffer<ConsumerRecord>] = [:]

    /// How many wait, per partition (partitions with none are left out).
    var counts: [TopicPartition: Int] { queues.mapValues(\.count) }

    /// Partitions with records waiting.
    var partitions: [TopicPartition] { Array(queues.keys) }

    /// Appends a poll's records (a poll returns runs of one partition: one lookup per run).
    mutating func append(_ batch: [ConsumerRecord]) {
        var start = batch.startIndex
        while start < batch.endIndex {
            let partition = batch[start].topicPartition
            var end = start + 1
            while end < batch.endIndex, batch[end].partition == partition.partition,
                batch[end].topic == partition.topic
            {
                end += 1
            }
            queues[partition, default: CircularBuffer()].append(contentsOf: batch[start..<end])
            start = end
        }
    }

    func first(of partition: TopicPartition) -> ConsumerRecord? { queues[partition]?.first }

    mutating func removeFirst(of partition: TopicPartition) {
        guard queues[partition] != nil else { return }
        queues[partition]!.removeFirst()
        if queues[partition]!.isEmpty { queues[partition] = nil }
    }

    /// Forgets the records of partitions this instance no longer owns.
    mutating func remove(_ revoked: Set<TopicPartition>) {
        for partition in revoked { queues[partition] = nil }
    }
}
