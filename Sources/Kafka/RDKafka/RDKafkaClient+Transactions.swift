import CRdKafka

extension RDKafkaClient {
    func initTransactions(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_init_transactions(handle, RDKafkaClient.milliseconds(timeout)) {
            throw RDKafkaErrors.consume(error)
        }
    }

    func beginTransaction() throws(KafkaError) {
        if let error = rd_kafka_begin_transaction(handle) { throw RDKafkaErrors.consume(error) }
    }

    func sendOffsetsToTransaction(
        _ offsets: [TopicPartitionOffset], groupMetadata: RDKafkaGroupMetadata,
        timeout: Duration
    ) throws(KafkaError) {
        try RDKafkaTopicPartitionList.with(offsets) { list throws(KafkaError) in
            if let error = rd_kafka_send_offsets_to_transaction(
                handle, list, groupMetadata.pointer,
                RDKafkaClient.milliseconds(timeout))
            {
                throw RDKafkaErrors.consume(error)
            }
        }
    }

    func commitTransaction(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_commit_transaction(handle, RDKafkaClient.milliseconds(timeout)) {
            throw RDKafkaErrors.consume(error)
        }
    }

    func abortTransaction(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_abort_transaction(handle, RDKafkaClient.milliseconds(timeout)) {
            throw RDKafkaErrors.consume(error)
        }
    }
}
