import CRdKafka
import Dispatch

extension RDKafkaClient {
    func subscribe(_ topics: [String]) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(topics: topics) { list throws(KafkaError) in
            let err = rd_kafka_subscribe(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "subscribe") }
        }
    }

    func unsubscribe() throws(KafkaError) {
        let err = rd_kafka_unsubscribe(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "unsubscribe") }
    }

    /// Reads exactly these partitions from these offsets, outside any group rebalancing.
    func assign(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(offsets) { list throws(KafkaError) in
            let err = rd_kafka_assign(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "assign") }
        }
        context.assignment.withLock { $0 = Set(offsets.map(\.topicPartition)) }
    }

    /// Blocks up to `timeout` for the first record, then takes whatever else is ready, up to `max`.
    /// Serves rebalance callbacks; records taken before a callback revoked their partition are
    /// left out (they belong to the next assignment, which reads them again). Call on
    /// `pollQueue` only.
    func pollBatch(max: Int, timeout: Duration) -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        var wait = RDKafkaClient.milliseconds(timeout)
        while records.count < max {
            let message = rd_kafka_consumer_poll(handle, wait)
            let revoked = context.revokedDuringPoll.withLock { revoked in
                defer { revoked.removeAll() }
                return revoked
            }
            if !revoked.isEmpty, !records.isEmpty {
                let before = records.count
                records.removeAll { revoked.contains($0.topicPartition) }
                if records.count < before {
                    context.recordsOfRevokedPartitions.add(before - records.count, ordering: .relaxed)
                    context.logger.debug(
                        "records of revoked partitions left out", metadata: ["records": "\(before - records.count)"])
                }
            }
            guard let message else { break }
            wait = 0
            defer { rd_kafka_message_destroy(message) }
            let m = message.pointee
            if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                records.append(Self.record(from: message))
            } else if m.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                let error = RDKafkaErrors.error(m.err, "consume")
                context.lastError.withLock { $0 = error }
                context.logger.warning("Kafka consumer error", metadata: ["error": "\(error)"])
            }
        }
        return records
    }

    private static func record(from message: UnsafeMutablePointer<rd_kafka_message_t>) -> ConsumerRecord {
        let m = message.pointee
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return ConsumerRecord(
            topic: m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
            partition: m.partition,
            offset: m.offset,
            key: m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) },
            value: m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) },
            headers: headers(of: message),
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append(
                KafkaHeader(
                    name: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        return headers
    }

    func commit(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(offsets) { list throws(KafkaError) in
            let err = rd_kafka_commit(handle, list, 0)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "commit") }
            if let error = RDKafkaTopicPartitionList.firstError(list) { throw error }
        }
    }

    /// Commits the offsets stored with `storeOffsets` (all assigned partitions).
    func commitStored() throws(KafkaError) {
        let err = rd_kafka_commit(handle, nil, 0)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw RDKafkaErrors.error(err, "commit")
        }
    }

    func storeOffsets(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(offsets) { list throws(KafkaError) in
            let err = rd_kafka_offsets_store(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "store offsets") }
        }
    }

    func committed(_ partitions: [TopicPartition], timeout: Duration) throws(KafkaError) -> [TopicPartitionOffset] {
        try RDKafkaTopicPartitionList.with(partitions: partitions) { list throws(KafkaError) in
            let err = rd_kafka_committed(handle, list, RDKafkaClient.milliseconds(timeout))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "committed offsets") }
            return RDKafkaTopicPartitionList.offsets(list)
        }
    }

    func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(partitions: partitions) { list throws(KafkaError) in
            let err = rd_kafka_pause_partitions(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "pause") }
        }
    }

    func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(partitions: partitions) { list throws(KafkaError) in
            let err = rd_kafka_resume_partitions(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "resume") }
        }
    }

    func seek(_ offsets: [TopicPartitionOffset], timeout: Duration) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(offsets) { list throws(KafkaError) in
            if let error = rd_kafka_seek_partitions(handle, list, RDKafkaClient.milliseconds(timeout)) {
                throw RDKafkaErrors.consume(error)
            }
            if let error = RDKafkaTopicPartitionList.firstError(list) { throw error }
        }
    }

    /// Low and high watermark offsets of a partition, asked of the broker.
    func watermarks(_ partition: TopicPartition, timeout: Duration) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let err = rd_kafka_query_watermark_offsets(
            handle, partition.topic, partition.partition, &low, &high,
            RDKafkaClient.milliseconds(timeout))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "watermarks of \(partition)") }
        return (low, high)
    }

    /// Per partition, the earliest offset whose timestamp is at or after the given one (the
    /// `offset` of each input, milliseconds since the epoch); -1 (the end) when none is.
    func offsets(forTimes times: [TopicPartitionOffset], timeout: Duration) throws(KafkaError) -> [TopicPartitionOffset]
    {
        try RDKafkaTopicPartitionList.with(times) { list throws(KafkaError) in
            let err = rd_kafka_offsets_for_times(handle, list, RDKafkaClient.milliseconds(timeout))
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "offsets for times") }
            if let error = RDKafkaTopicPartitionList.firstError(list) { throw error }
            return RDKafkaTopicPartitionList.offsets(list)
        }
    }

    /// The next offset the consumer will read per partition (past transaction markers too);
    /// negative when it has not fetched from the partition yet.
    func positions(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartitionOffset] {
        try RDKafkaTopicPartitionList.with(partitions: partitions) { list throws(KafkaError) in
            let err = rd_kafka_position(handle, list)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "position") }
            return RDKafkaTopicPartitionList.offsets(list)
        }
    }

    /// Leaves the group cleanly (serving the final revocation). Call on `pollQueue`.
    func closeConsumer() {
        let err = rd_kafka_consumer_close(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.logger.warning("Kafka consumer close failed", metadata: ["error": "\(RDKafkaErrors.error(err))"])
        }
        context.assignment.withLock { $0.removeAll() }
    }

    /// The group metadata handed to a transactional producer with the offsets it commits.
    func groupMetadata() -> RDKafkaGroupMetadata? {
        rd_kafka_consumer_group_metadata(handle).map(RDKafkaGroupMetadata.init)
    }
}

/// Owns an `rd_kafka_consumer_group_metadata_t`.
final class RDKafkaGroupMetadata: Sendable {
    // Immutable after creation; librdkafka only reads it.
    nonisolated(unsafe) let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}

let rdkafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = {
        rk, err, list, opaque in
        guard let rk, let list, let opaque else { return }
        let context = Unmanaged<RDKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
        let partitions = RDKafkaTopicPartitionList.partitions(list)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        var failure: OpaquePointer?
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                failure = rd_kafka_incremental_assign(rk, list)
            } else {
                let code = rd_kafka_assign(rk, list)
                if code != RD_KAFKA_RESP_ERR_NO_ERROR {
                    context.logger.error("assign failed: \(RDKafkaErrors.error(code))")
                }
            }
            context.assignment.withLock { assignment in
                if !cooperative { assignment.removeAll() }
                assignment.formUnion(partitions)
            }
            context.handleRebalance(.assigned(partitions))
        } else {
            let lost = rd_kafka_assignment_lost(rk) != 0
            context.revokedDuringPoll.withLock { $0.formUnion(partitions) }
            context.handleRebalance(lost ? .lost(partitions) : .revoked(partitions))
            if cooperative {
                failure = rd_kafka_incremental_unassign(rk, list)
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
            context.assignment.withLock { assignment in
                if cooperative { assignment.subtract(partitions) } else { assignment.removeAll() }
            }
        }
        if let failure {
            context.logger.error("rebalance failed", metadata: ["error": "\(RDKafkaErrors.consume(failure))"])
        }
    }

extension RDKafkaClientContext {
    /// Runs the rebalance handler and waits for it. This is librdkafka's poll thread (the
    /// consumer's own dispatch queue, never Swift's cooperative pool): a revocation must be
    /// finished before librdkafka gives the partitions up, so blocking it is the point.
    func handleRebalance(_ event: RebalanceEvent) {
        guard let handler = rebalanceHandler.withLock({ $0 }) else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            await handler(event)
            done.signal()
        }
        done.wait()
    }
}
