import CRdKafka
import Dispatch
import Foundation
import Logging
import Synchronization
import Timing

/// Text of a NUL-terminated C buffer that librdkafka filled.
func string(fromCBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Owns one `rd_kafka_t` handle. librdkafka handles are thread-safe; blocking calls are run on
/// this client's own dispatch queues, never on Swift's cooperative pool.
final class RDKafkaClient: Sendable {
    enum Kind { case producer, consumer }

    // rd_kafka_t is documented thread-safe for all calls used here.
    nonisolated(unsafe) let handle: OpaquePointer
    let kind: Kind
    let context: RDKafkaClientContext
    /// `queue.buffering.max.messages`, the producer's back-pressure bound.
    let maxQueuedMessages: Int
    private let unmanagedContext: Unmanaged<RDKafkaClientContext>
    /// Runs blocking calls (flush, commit, transaction calls, metadata, admin).
    private let blockingQueue: DispatchQueue
    /// Runs consumer polls, kept apart so a commit never waits behind a long poll.
    let pollQueue: DispatchQueue
    private let pollLoop: Mutex<RDKafkaPollLoop?> = Mutex(nil)

    init(
        kind: Kind, properties: [String: String], logger: Logger,
        rebalanceHandler: (@Sendable (RebalanceEvent) async -> Void)? = nil,
        deliveryHandler: (@Sendable (DeliveryOutcome) -> Void)? = nil
    ) throws(KafkaError) {
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.configuration("kafka property '\(key)': \(string(fromCBuffer: errstr))")
            }
        }
        let context = RDKafkaClientContext(
            logger: logger, rebalanceHandler: rebalanceHandler,
            deliveryHandler: deliveryHandler)
        let unmanaged = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, unmanaged.toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdkafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdkafkaErrorCallback)
        switch kind {
        case .producer: rd_kafka_conf_set_dr_msg_cb(conf, rdkafkaDeliveryCallback)
        case .consumer: rd_kafka_conf_set_rebalance_cb(conf, rdkafkaRebalanceCallback)
        }
        guard
            let rk = rd_kafka_new(
                kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER,
                conf, &errstr, errstr.count)
        else {
            // On failure the configuration is still ours.
            rd_kafka_conf_destroy(conf)
            unmanaged.release()
            throw KafkaError.configuration(string(fromCBuffer: errstr))
        }
        self.handle = rk
        self.kind = kind
        self.context = context
        self.maxQueuedMessages = Int(properties["queue.buffering.max.messages"] ?? "") ?? 100_000
        self.unmanagedContext = unmanaged
        let name = String(cString: rd_kafka_name(rk))
        self.blockingQueue = DispatchQueue(label: "payments-bridge.kafka.\(name).blocking")
        self.pollQueue = DispatchQueue(label: "payments-bridge.kafka.\(name).poll")
        if kind == .consumer {
            rd_kafka_poll_set_consumer(rk)
        } else {
            pollLoop.withLock { $0 = RDKafkaPollLoop(client: self) }
        }
    }

    deinit {
        pollLoop.withLock { $0?.stop() }
        // A consumer not closed is closed by rd_kafka_destroy, serving its final revocation on
        // this thread, which may be one of Swift's cooperative threads: the handler (which waits
        // for a task) must not run there.
        context.rebalanceHandler.withLock { $0 = nil }
        rd_kafka_destroy(handle)
        unmanagedContext.release()
    }

    var name: String { String(cString: rd_kafka_name(handle)) }

    /// Stops the producer's poll thread (after which no delivery reports are served).
    func stopPolling() {
        pollLoop.withLock { loop in
            loop?.stop()
            loop = nil
        }
        context.wakeSpaceWaiters()
    }

    /// Runs `body` on the blocking queue and resumes the caller with its result.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        try await Self.run(on: blockingQueue, body)
    }

    static func run<T: Sendable>(
        on queue: DispatchQueue,
        _ body: @escaping @Sendable () throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(KafkaError) { continuation.resume(returning: .success(try body())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// The producer's fatal error, if it has one (e.g. fenced by a newer instance).
    func fatalError() -> KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &buffer, buffer.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            code: KafkaErrorCode(rawValue: err.rawValue), message: string(fromCBuffer: buffer),
            isFatal: true)
    }

    static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: max(0, duration.milliseconds))
    }
}

// MARK: - C callbacks

private func context(of opaque: UnsafeMutableRawPointer?) -> RDKafkaClientContext? {
    opaque.map { Unmanaged<RDKafkaClientContext>.fromOpaque($0).takeUnretainedValue() }
}

private let rdkafkaLogCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        rk, level, facility, message in
        guard let rk, let ctx = context(of: rd_kafka_opaque(rk)) else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let fac = facility.map { String(cString: $0) } ?? ""
        // syslog levels: 0-3 error, 4 warning, 5-6 notice/info, 7 debug
        let logLevel: Logger.Level = level <= 3 ? .error : level == 4 ? .warning : level <= 6 ? .info : .debug
        ctx.logger.log(level: logLevel, "librdkafka \(fac): \(text)")
    }

private let rdkafkaErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, err, reason, opaque in
        guard let ctx = context(of: opaque) else { return }
        let error = KafkaError(
            code: KafkaErrorCode(rawValue: err),
            message: reason.map { String(cString: $0) } ?? "",
            isRetriable: RDKafkaErrors.isRetriableCode(err),
            isFatal: err == KafkaErrorCode.fatal.rawValue)
        ctx.lastError.withLock { $0 = error }
        ctx.logger.warning("Kafka client error", metadata: ["error": "\(error)"])
    }
