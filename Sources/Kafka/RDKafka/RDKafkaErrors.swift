import CRdKafka

enum RDKafkaErrors {
    static func name(of code: Int32) -> String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    static func error(_ err: rd_kafka_resp_err_t, _ context: String? = nil) -> KafkaError {
        let text = String(cString: rd_kafka_err2str(err))
        return KafkaError(
            code: KafkaErrorCode(rawValue: err.rawValue),
            message: context.map { "\($0): \(text)" } ?? text,
            isRetriable: isRetriableCode(err.rawValue))
    }

    /// Converts and destroys an `rd_kafka_error_t`, keeping librdkafka's classification.
    static func consume(_ error: OpaquePointer) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        return KafkaError(
            code: KafkaErrorCode(rawValue: rd_kafka_error_code(error).rawValue),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            requiresAbort: rd_kafka_error_txn_requires_abort(error) != 0)
    }

    static func isRetriableCode(_ code: Int32) -> Bool {
        [
            KafkaErrorCode.timedOut, .transport, .allBrokersDown, .queueFull, .requestTimedOut,
            .notLeaderForPartition, .coordinatorLoadInProgress, .coordinatorNotAvailable, .notCoordinator,
            .notEnoughReplicas, .concurrentTransactions,
        ].contains(KafkaErrorCode(rawValue: code))
    }
}
