import Logging

/// Reads a topic as it is now: every record from the oldest still kept up to each partition's
/// end at the time of the call, outside any consumer group (nothing is committed).
public enum TopicSnapshot {
    /// Calls `visit` with each record, in offset order per partition (partitions interleaved);
    /// gives up with `timedOut` after `timeout` without progress.
    /// Throws `unknownTopicOrPartition` for a topic the cluster does not have.
    public static func read(
        _ topic: String, kafka: KafkaConfiguration, isolation: ConsumerConfiguration.IsolationLevel = .readUncommitted,
        logger: Logger, timeout: Duration = .seconds(60),
        visit: (ConsumerRecord) throws -> Void
    ) async throws {
        let (consumer, count) = try await reader(of: topic, kafka: kafka, isolation: isolation, logger: logger)
        var ends: [Int32: Int64] = [:]
        for partition in 0..<Int32(count) {
            let (low, high) = try await consumer.watermarks(TopicPartition(topic: topic, partition: partition))
            if high > low { ends[partition] = high }
        }
        do {
            try await readToEnds(
                ends, from: [:], otherwise: KafkaOffset.beginning, partitions: count, of: topic, consumer: consumer,
                timeout: timeout, visit: visit)
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    /// The records of `topic` written from `since` until before `until` (by their timestamps,
    /// milliseconds since the epoch), in order per partition. Reading starts at the first offset
    /// the brokers find for `since` and goes to the partition's end, keeping the records of the
    /// window by their own timestamps: a broker's answer for `until` is not relied on (Tansu
    /// answers 0 instead of the end for a time after a partition's last record).
    public static func read(
        _ topic: String, since: Int64, until: Int64, kafka: KafkaConfiguration,
        isolation: ConsumerConfiguration.IsolationLevel = .readCommitted, logger: Logger,
        timeout: Duration = .seconds(60), visit: (ConsumerRecord) throws -> Void
    ) async throws {
        let (consumer, count) = try await reader(of: topic, kafka: kafka, isolation: isolation, logger: logger)
        do {
            let partitions = (0..<Int32(count)).map { TopicPartition(topic: topic, partition: $0) }
            let starts = try await consumer.offsets(at: since, of: partitions)
            var ends: [Int32: Int64] = [:]
            var from: [Int32: Int64] = [:]
            for partition in partitions {
                guard let start = starts[partition], start >= 0 else { continue }
                let end = try await consumer.watermarks(partition).high
                if end > start {
                    ends[partition.partition] = end
                    from[partition.partition] = start
                }
            }
            guard !ends.isEmpty else {
                await consumer.close()
                return
            }
            try await readToEnds(
                ends, from: from, otherwise: KafkaOffset.end, partitions: count, of: topic, consumer: consumer,
                timeout: timeout
            ) {
                record in
                guard let end = ends[record.partition], record.offset < end,
                    (record.timestamp ?? since) >= since, (record.timestamp ?? since) < until
                else { return }
                try visit(record)
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }

    /// A consumer that reads `topic` by assignment, and the topic's number of partitions.
    private static func reader(
        of topic: String, kafka: KafkaConfiguration, isolation: ConsumerConfiguration.IsolationLevel, logger: Logger
    ) async throws -> (KafkaConsumer, Int) {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        guard let count = try await admin.metadata().topics[topic], count > 0 else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic '\(topic)' does not exist")
        }
        var quick = kafka
        // Brokers may hold a Fetch for fetch.wait.max.ms even when records wait (Tansu does).
        if quick.properties["fetch.wait.max.ms"] == nil { quick.properties["fetch.wait.max.ms"] = "50" }
        var configuration = ConsumerConfiguration(kafka: quick, groupID: "\(topic).snapshot")
        configuration.isolationLevel = isolation
        return (try KafkaConsumer(configuration: configuration, logger: logger), count)
    }

    private static func readToEnds(
        _ ends: [Int32: Int64], from starts: [Int32: Int64], otherwise: Int64, partitions: Int, of topic: String,
        consumer: KafkaConsumer, timeout: Duration, visit: (ConsumerRecord) throws -> Void
    ) async throws {
        // Every partition, not only those whose watermarks say they hold records (see below).
        try consumer.assign(
            (0..<Int32(partitions)).map {
                TopicPartitionOffset(topic: topic, partition: $0, offset: starts[$0] ?? otherwise)
            })
        // Gives up after `timeout` without progress (no record and no partition reaching its
        // end), however long a big topic takes to read as a whole.
        var lastProgress = ContinuousClock.now
        var remaining = ends
        var quietSince = ContinuousClock.now
        // Done when the read position of every partition has passed its end (positions move past
        // transaction markers, which are never returned as records), then after a short quiet
        // spell: some brokers (Tansu) report a high watermark below the last offset when batches
        // hold several records. A few records newer than the call do no harm.
        while true {
            guard ContinuousClock.now - lastProgress < timeout else {
                throw KafkaError(
                    code: .timedOut, message: "reading \(topic) to its end made no progress for \(timeout)")
            }
            let records = await consumer.poll(timeout: .milliseconds(100))
            if !records.isEmpty {
                quietSince = .now
                lastProgress = .now
            }
            for record in records { try visit(record) }
            if !remaining.isEmpty {
                let positions = try consumer.positions(
                    remaining.keys.map { TopicPartition(topic: topic, partition: $0) })
                for position in positions where position.offset >= (remaining[position.partition] ?? .max) {
                    remaining[position.partition] = nil
                    lastProgress = .now
                }
            }
            if remaining.isEmpty, ContinuousClock.now - quietSince > .milliseconds(300) { return }
        }
    }

    /// Every record of the topic as it is now.
    public static func records(
        _ topic: String, kafka: KafkaConfiguration, logger: Logger,
        timeout: Duration = .seconds(60)
    ) async throws -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        try await read(topic, kafka: kafka, logger: logger, timeout: timeout) { records.append($0) }
        return records
    }
}
