import CRdKafkaMock
import CRdKafkaShims.Mock
import Kafka
import Timing

/// librdkafka's in-process mock cluster, reachable by any client on 127.0.0.1.
final class RDKafkaMockCluster: Sendable {
    // Both pointers are owned here; librdkafka's mock API is thread-safe (it posts to the cluster thread).
    nonisolated(unsafe) private let owner: OpaquePointer
    nonisolated(unsafe) private let cluster: OpaquePointer
    let bootstrapServers: String

    init(brokers: Int) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        let conf = rd_kafka_conf_new()!
        _ = rd_kafka_conf_set(conf, "log_level", "3", &errstr, errstr.count)
        guard let owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            let message = String(decoding: errstr.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError(code: .invalidArgument, message: "embedded broker: \(message)")
        }
        guard let cluster = rd_kafka_mock_cluster_new(owner, Int32(brokers)) else {
            rd_kafka_destroy(owner)
            throw KafkaError(code: .fail, message: "embedded broker: could not start the mock cluster")
        }
        self.owner = owner
        self.cluster = cluster
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }

    func createTopic(_ name: String, partitions: Int, replicationFactor: Int) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
            throw KafkaError(librdkafka: KafkaErrorCode(rawValue: err.rawValue), context: "create topic '\(name)'")
        }
    }

    func setBrokerDown(_ broker: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_down(cluster, broker), "broker \(broker) down")
    }

    func setBrokerUp(_ broker: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_up(cluster, broker), "broker \(broker) up")
    }

    func setRoundTripTime(_ broker: Int32, milliseconds: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_rtt(cluster, broker, milliseconds), "broker \(broker) rtt")
    }

    func setPartitionLeader(_ topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker), "leader of \(topic)[\(partition)]")
    }

    func pushRequestErrors(apiKey: Int16, errors: [KafkaErrorCode]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        codes.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    func delayNextRequest(broker: Int32, apiKey: Int16, milliseconds: Int32) throws(KafkaError) {
        try check(
            pb_rdkafka_mock_delay_next_request(cluster, broker, apiKey, milliseconds), "delay on broker \(broker)")
    }

    func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    private func check(_ err: rd_kafka_resp_err_t, _ what: String) throws(KafkaError) {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(librdkafka: KafkaErrorCode(rawValue: err.rawValue), context: what)
        }
    }

    /// `duration` in whole milliseconds, as the mock API takes it (negative ones as 0).
    static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: max(0, duration.milliseconds))
    }
}
