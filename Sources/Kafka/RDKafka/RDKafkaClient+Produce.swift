import CRdKafka
import CRdKafkaShims

/// Carries a record's completion handler through librdkafka's per-message opaque pointer.
final class RDKafkaDeliveryBox {
    let completion: @Sendable (Result<DeliveryReport, KafkaError>) -> Void
    init(_ completion: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void) {
        self.completion = completion
    }
}

/// What a record's per-message opaque pointer carries: a completion box (an aligned object
/// pointer, low bit 0) or a caller's token for the producer-wide handler (tagged with low bit 1),
/// which costs no allocation.
enum RDKafkaDeliveryTag {
    case none
    case completion(@Sendable (Result<DeliveryReport, KafkaError>) -> Void)
    case token(UInt)
}

extension RDKafkaClient {
    /// Hands one record to librdkafka (copying key, value and headers). Never blocks.
    /// Returns `queueFull` when librdkafka's queue is at its limit; the caller then waits for space.
    func produce(_ record: ProducerRecord, tag: RDKafkaDeliveryTag) -> KafkaErrorCode {
        let headers: OpaquePointer? = record.headers.isEmpty ? nil : makeHeaders(record.headers)
        var box: Unmanaged<RDKafkaDeliveryBox>?
        var opaque: UnsafeMutableRawPointer?
        switch tag {
        case .none: break
        case .completion(let completion):
            box = Unmanaged.passRetained(RDKafkaDeliveryBox(completion))
            opaque = box?.toOpaque()
        case .token(let token):
            opaque = UnsafeMutableRawPointer(bitPattern: (token << 1) | 1)
        }
        let err = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key, keyLength in
                withOptionalBytes(record.value) { value, valueLength in
                    pb_rdkafka_produce(
                        handle, topic, record.partition ?? RD_KAFKA_PARTITION_UA,
                        key, keyLength, value, valueLength, headers,
                        record.timestamp ?? 0, opaque)
                }
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // librdkafka did not take the message: headers and the box are still ours.
            if let headers { rd_kafka_headers_destroy(headers) }
            box?.release()
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
            header.withValueBytes { value, length in
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

let rdkafkaDeliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, clientOpaque in
        guard let message else { return }
        let m = message.pointee
        let error: KafkaError? = m.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : deliveryError(m.err)
        if let error, error.refusesRecord, let clientOpaque {
            Unmanaged<RDKafkaClientContext>.fromOpaque(clientOpaque).takeUnretainedValue().refusedDelivery.withLock {
                $0 = error
            }
        }
        guard let opaque = m._private else { return }
        let bits = UInt(bitPattern: opaque)
        if bits & 1 == 1 {
            guard let clientOpaque else { return }
            let context = Unmanaged<RDKafkaClientContext>.fromOpaque(clientOpaque).takeUnretainedValue()
            context.deliveryHandler?(
                DeliveryOutcome(token: bits >> 1, partition: m.partition, offset: m.offset, error: error))
            return
        }
        let box = Unmanaged<RDKafkaDeliveryBox>.fromOpaque(opaque).takeRetainedValue()
        if let error {
            box.completion(.failure(error))
        } else {
            let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            box.completion(.success(DeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
        }
    }

private func deliveryError(_ err: rd_kafka_resp_err_t) -> KafkaError {
    let error = RDKafkaErrors.error(err, "delivery failed")
    guard KafkaErrorCode(rawValue: err.rawValue) == .fatal else { return error }
    return KafkaError(code: error.code, message: error.message, isFatal: true)
}
