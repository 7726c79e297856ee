import CRdKafka

extension RDKafkaClient {
    func metadata(timeout: Duration) throws(KafkaError) -> ClusterMetadata {
        var pointer: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &pointer, RDKafkaClient.milliseconds(timeout))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md = pointer else { throw RDKafkaErrors.error(err, "metadata") }
        defer { rd_kafka_metadata_destroy(md) }
        let brokers = (0..<Int(md.pointee.broker_cnt)).map { md.pointee.brokers[$0].id }
        var topics: [String: Int] = [:]
        for index in 0..<Int(md.pointee.topic_cnt) {
            let topic = md.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            topics[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return ClusterMetadata(brokerIDs: brokers.sorted(), topics: topics)
    }

    /// Creates topics. Returns the topics that could not be created, with why (a topic that
    /// already exists is among them, as `topicAlreadyExists`: the caller decides what that means).
    func createTopics(_ specs: [TopicSpecification], timeout: Duration) throws(KafkaError) -> [String: KafkaError] {
        var errstr = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for spec in specs {
            guard
                let topic = rd_kafka_NewTopic_new(
                    spec.name, Int32(spec.partitions), Int32(spec.replicationFactor),
                    &errstr, errstr.count)
            else {
                throw KafkaError.configuration("topic '\(spec.name)': \(string(fromCBuffer: errstr))")
            }
            newTopics.append(topic)
            for (key, value) in spec.config.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(topic, key, value)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw RDKafkaErrors.error(err, "topic '\(spec.name)' config \(key)")
                }
            }
        }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        let ms = RDKafkaClient.milliseconds(timeout)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, ms, &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, ms, &errstr, errstr.count)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, ms + 1000) else {
            throw KafkaError(code: .timedOut, message: "create topics: no answer within \(timeout)", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw RDKafkaErrors.error(eventError, "create topics")
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(code: .fail, message: "create topics: unexpected event")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return [:] }
        var errors: [String: KafkaError] = [:]
        for index in 0..<count {
            let topicResult = results[index]
            let err = rd_kafka_topic_result_error(topicResult)
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
            errors[name] = KafkaError(code: KafkaErrorCode(rawValue: err.rawValue), message: message)
        }
        return errors
    }
}
