import CRdKafka
import CShims

/// Carries a record's completion handler through librdkafka's per-message opaque pointer.
final class RDKafkaDeliveryBox {
    let completion: @Sendable (Result<DeliveryReport, KafkaError>) -> Void
    init(_ completion: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void) {
        self.completion = completion
    }
}

extension RDKafkaClient {
    /// Hands one record to librdkafka (copying key, value and headers). Never blocks.
    /// Returns `queueFull` when librdkafka's queue is at its limit; the caller then waits for space.
    func produce(_ record: ProducerRecord,
                 completion: (@Sendable (Result<DeliveryReport, KafkaError>) -> Void)?) -> KafkaErrorCode {
        let headers: OpaquePointer? = record.headers.isEmpty ? nil : makeHeaders(record.headers)
        let opaque = completion.map { Unmanaged.passRetained(RDKafkaDeliveryBox($0)) }
        let err = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key, keyLength in
                withOptionalBytes(record.value) { value, valueLength in
                    pb_rdkafka_produce(handle, topic, record.partition ?? RD_KAFKA_PARTITION_UA,
                                       key, keyLength, value, valueLength, headers,
                                       record.timestamp ?? 0, opaque?.toOpaque())
                }
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // librdkafka did not take the message: headers and the box are still ours.
            if let headers { rd_kafka_headers_destroy(headers) }
            opaque?.release()
        }
        return KafkaErrorCode(rawValue: err.rawValue)
    }

    func flush(timeout: Duration) throws(KafkaError) {
        let err = rd_kafka_flush(handle, RDKafkaClient.milliseconds(timeout))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw RDKafkaErrors.error(err, "flush") }
    }

    /// Number of messages not yet delivered (queued or in flight).
    var outstandingMessages: Int { Int(rd_kafka_outq_len(handle)) }

    /// Fails every queued and in-flight message (their completions report `purge` errors).
    func purge() {
        _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        rd_kafka_poll(handle, 0)
    }

    private func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer {
        let list = rd_kafka_headers_new(headers.count)!
        for header in headers {
            withOptionalBytes(header.value) { value, length in
                _ = rd_kafka_header_add(list, header.name, -1, value, length)
            }
        }
        return list
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
    guard let bytes else { return body(nil, 0) }
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}

let rdkafkaDeliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let box = Unmanaged<RDKafkaDeliveryBox>.fromOpaque(opaque).takeRetainedValue()
    let m = message.pointee
    if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        box.completion(.success(DeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
    } else {
        var error = RDKafkaErrors.error(m.err, "delivery failed")
        if let fatal = KafkaErrorCode(rawValue: m.err.rawValue) == .fatal ? "fatal" : nil {
            error = KafkaError(code: error.code, message: "\(error.message) (\(fatal))", isFatal: true)
        }
        box.completion(.failure(error))
    }
}
