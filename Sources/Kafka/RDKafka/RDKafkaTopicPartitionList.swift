import CRdKafka

/// Conversions between Swift partition lists and `rd_kafka_topic_partition_list_t`.
enum RDKafkaTopicPartitionList {
    /// Builds a list (offsets included when given) and passes it to `body`, destroying it afterwards.
    static func with<R>(
        _ partitions: [TopicPartitionOffset],
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(KafkaError) -> R
    ) throws(KafkaError) -> R {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for p in partitions {
            let element = rd_kafka_topic_partition_list_add(list, p.topic, p.partition)!
            element.pointee.offset = p.offset
        }
        return try body(list)
    }

    static func with<R>(
        topics: [String],
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(KafkaError) -> R
    ) throws(KafkaError) -> R {
        try with(
            topics.map {
                TopicPartitionOffset(
                    topic: $0, partition: RD_KAFKA_PARTITION_UA, offset: Int64(RD_KAFKA_OFFSET_INVALID))
            }, body)
    }

    static func with<R>(
        partitions: [TopicPartition],
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(KafkaError) -> R
    ) throws(KafkaError) -> R {
        try with(
            partitions.map {
                TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: Int64(RD_KAFKA_OFFSET_INVALID))
            }, body)
    }

    static func offsets(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartitionOffset] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return TopicPartitionOffset(
                topic: String(cString: element.topic), partition: element.partition,
                offset: element.offset)
        }
    }

    static func partitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        offsets(list).map(\.topicPartition)
    }

    /// The first per-partition error in a list returned by librdkafka, if any.
    static func firstError(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> KafkaError? {
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            if element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                return RDKafkaErrors.error(element.err, "\(String(cString: element.topic))[\(element.partition)]")
            }
        }
        return nil
    }
}
