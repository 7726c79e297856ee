import Logging

/// A group consumer. Records arrive as an `AsyncSequence`; librdkafka is polled on this
/// consumer's own queue only when the sequence asks for more, so a slow reader slows the
/// fetching (back-pressure) instead of filling memory.
public final class KafkaConsumer: Sendable {
    let client: RDKafkaClient
    private let batchSize: Int

    /// - Parameter onRebalance: called for each rebalance, and awaited: for a revocation it runs
    ///   *before* the partitions are given up, so the caller can finish (commit or abort) their
    ///   work. Polling waits for it meanwhile, so it must not wait for this consumer's records.
    public init(
        configuration: ConsumerConfiguration, logger: Logger = Logger(label: "kafka.consumer"),
        onRebalance: (@Sendable (RebalanceEvent) async -> Void)? = nil
    ) throws(KafkaError) {
        client = try RDKafkaClient(
            kind: .consumer, properties: configuration.properties(), logger: logger,
            rebalanceHandler: onRebalance)
        batchSize = configuration.pollBatchSize
    }

    /// Sets the rebalance handler (see `init`), for an owner whose handler refers to the owner
    /// itself; call it before `subscribe`. Capture the owner weakly: the consumer keeps the handler.
    public func onRebalance(_ handler: @escaping @Sendable (RebalanceEvent) async -> Void) {
        client.context.rebalanceHandler.withLock { $0 = handler }
    }

    /// Subscribes to these topics (names, or regular expressions starting with `^`); called
    /// again, it replaces the subscription (the group rebalances).
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        try client.subscribe(topics)
    }

    /// Fetches the cluster's metadata through this consumer: a pattern subscription then sees
    /// topics created since its last refresh (librdkafka's own comes every 5 minutes) and the
    /// group rebalances to assign them. Repeated until the topic `waitingFor` is known, or
    /// `attempts` are spent.
    public func refreshMetadata(waitingFor topics: Set<String>, attempts: Int = 10) async {
        let client = self.client
        for _ in 0..<attempts {
            let known = try? await client.blocking { () throws(KafkaError) in
                try client.metadata(timeout: .seconds(5)).topics.keys
            }
            if let known, topics.isSubset(of: Set(known)) { return }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Leaves the subscription: every partition is revoked.
    public func unsubscribe() throws(KafkaError) {
        try client.unsubscribe()
    }

    /// Reads the given partitions from the given offsets (`KafkaOffset.beginning` for the
    /// oldest record) without joining the group's partition assignment; nothing is committed.
    public func assign(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try client.assign(offsets)
    }

    /// The records, in order per partition. Ends when the surrounding task is cancelled.
    public var records: Records { Records(consumer: self) }

    /// Polls once: waits up to `timeout` for the first record and returns what is ready.
    public func poll(timeout: Duration = .milliseconds(100)) async -> [ConsumerRecord] {
        let client = self.client
        let max = batchSize
        return (try? await RDKafkaClient.run(on: client.pollQueue) { client.pollBatch(max: max, timeout: timeout) })
            ?? []
    }

    /// Partitions currently assigned to this member.
    public var assignment: Set<TopicPartition> { client.context.assignment.withLock { $0 } }

    /// Records a poll had taken when a rebalance revoked their partition in the same poll,
    /// and so left out (the partition's next owner reads them from the committed offset);
    /// since the consumer started.
    public var recordsOfRevokedPartitions: Int { client.context.recordsOfRevokedPartitions.load(ordering: .relaxed) }

    /// Commits offsets (each the offset of the next record to read) and waits for the broker.
    public func commit(_ offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        let client = self.client
        try await client.blocking { () throws(KafkaError) in try client.commit(offsets) }
    }

    /// Commits the offsets stored with `store(_:)`.
    public func commitStored() async throws(KafkaError) {
        let client = self.client
        try await client.blocking { () throws(KafkaError) in try client.commitStored() }
    }

    /// Stores offsets to be committed by `commitStored()` (offset = next record to read).
    public func store(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try client.storeOffsets(offsets)
    }

    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        let client = self.client
        return try await client.blocking { () throws(KafkaError) in try client.committed(partitions, timeout: timeout) }
    }

    /// The next offset to be read per partition (negative before the first fetch).
    public func positions(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartitionOffset] {
        try client.positions(partitions)
    }

    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) { try client.pause(partitions) }
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) { try client.resume(partitions) }

    /// Moves the read position of assigned partitions.
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        let client = self.client
        try await client.blocking { () throws(KafkaError) in try client.seek(offsets, timeout: timeout) }
    }

    public func watermarks(_ partition: TopicPartition, timeout: Duration = .seconds(10)) async throws(KafkaError) -> (
        low: Int64, high: Int64
    ) {
        let client = self.client
        return try await client.blocking { () throws(KafkaError) in try client.watermarks(partition, timeout: timeout) }
    }

    /// Per partition, the earliest offset whose timestamp is at or after `time` (milliseconds
    /// since the epoch); `KafkaOffset.end` (-1) when no record is that late. Asks the brokers.
    public func offsets(at time: Int64, of partitions: [TopicPartition], timeout: Duration = .seconds(10))
        async throws(KafkaError) -> [TopicPartition: Int64]
    {
        let client = self.client
        let found = try await client.blocking { () throws(KafkaError) in
            try client.offsets(
                forTimes: partitions.map {
                    TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: time)
                },
                timeout: timeout)
        }
        return Dictionary(found.map { (TopicPartition(topic: $0.topic, partition: $0.partition), $0.offset) }) { a, _ in
            a
        }
    }

    /// For each assigned partition: records not yet committed by the group (high watermark minus
    /// the committed offset; the whole partition when nothing is committed yet).
    public func lag(timeout: Duration = .seconds(5)) async throws(KafkaError) -> [TopicPartition: Int64] {
        let partitions = Array(assignment)
        guard !partitions.isEmpty else { return [:] }
        let committed = try await self.committed(partitions, timeout: timeout)
        var lag: [TopicPartition: Int64] = [:]
        for partition in partitions {
            let (low, high) = try await watermarks(partition, timeout: timeout)
            let offset = committed.first { $0.topicPartition == partition }?.offset ?? -1
            lag[partition] = max(0, high - (offset >= 0 ? offset : low))
        }
        return lag
    }

    /// Reports each assigned partition's lag (see `lag()`) every `interval` until the task is
    /// cancelled; a round that fails (broker unreachable) is skipped.
    public func reportLag(every interval: Duration, _ report: (TopicPartition, Int64) -> Void) async {
        while !Task.isCancelled {
            if let lag = try? await lag() {
                for (partition, records) in lag { report(partition, records) }
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Group metadata for `TransactionalProducer.sendOffsets`.
    public func groupMetadata() throws(KafkaError) -> ConsumerGroupMetadata {
        guard let metadata = client.groupMetadata() else {
            throw KafkaError(code: .state, message: "consumer has no group metadata")
        }
        return ConsumerGroupMetadata(metadata)
    }

    /// Leaves the group (the final revocation is reported to `onRebalance`).
    public func close() async {
        let client = self.client
        _ = try? await RDKafkaClient.run(on: client.pollQueue) { client.closeConsumer() }
    }

    /// The most recent error librdkafka reported for this consumer.
    public var lastError: KafkaError? { client.context.lastError.withLock { $0 } }

    public struct Records: AsyncSequence, Sendable {
        public typealias Element = ConsumerRecord
        let consumer: KafkaConsumer

        public func makeAsyncIterator() -> Iterator { Iterator(consumer: consumer) }

        public struct Iterator: AsyncIteratorProtocol {
            let consumer: KafkaConsumer
            var buffer: [ConsumerRecord] = []
            var index = 0

            public mutating func next() async -> ConsumerRecord? {
                while index == buffer.count {
                    if Task.isCancelled { return nil }
                    buffer = await consumer.poll()
                    index = 0
                }
                defer { index += 1 }
                return buffer[index]
            }
        }
    }
}
