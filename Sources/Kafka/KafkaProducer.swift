import Logging
import Synchronization

/// An idempotent producer. `send` hands a record to librdkafka, waiting (without blocking a
/// thread) while librdkafka's bounded queue is full, and reports the delivery asynchronously.
public final class KafkaProducer: Sendable {
    let client: RDKafkaClient

    /// - Parameter onDelivery: receives the outcome of every record sent with a token
    ///   (`enqueue(_:token:)`), on librdkafka's poll thread; keep it short.
    public init(
        configuration: ProducerConfiguration, logger: Logger = Logger(label: "kafka.producer"),
        onDelivery: (@Sendable (DeliveryOutcome) -> Void)? = nil
    ) throws(KafkaError) {
        client = try RDKafkaClient(
            kind: .producer, properties: configuration.properties(), logger: logger,
            deliveryHandler: onDelivery)
    }

    /// Sends a record and waits for its delivery report. Cancelling the task ends the wait (the
    /// record may still be delivered) with `KafkaErrorCode.waitCancelled`.
    @discardableResult
    public func send(_ record: ProducerRecord) async throws(KafkaError) -> DeliveryReport {
        let promise = DeliveryPromise()
        try await enqueue(record, onDelivery: promise.complete)
        return try await withTaskCancellationHandler {
            await promise.value
        } onCancel: {
            promise.complete(
                .failure(KafkaError(code: .waitCancelled, message: "stopped waiting for the delivery report")))
        }.get()
    }

    /// Hands a record to librdkafka and returns once it is queued; `onDelivery` is called exactly
    /// once with the outcome, on librdkafka's poll thread (keep it short). Waits while the queue
    /// is full: this is the back-pressure that bounds memory.
    // Runs on the caller's executor: handing a record over never blocks, so hopping to the
    // global executor and back for each record would only cost time.
    nonisolated(nonsending)
        public func enqueue(
            _ record: ProducerRecord,
            onDelivery: (@Sendable (Result<DeliveryReport, KafkaError>) -> Void)? = nil
        ) async throws(KafkaError)
    {
        try await enqueue(record, tag: onDelivery.map { .completion($0) } ?? .none)
    }

    /// Like `enqueue(_:onDelivery:)`, but the outcome goes to the producer's `onDelivery` handler
    /// with `token`: no allocation per record, for high-rate paths.
    nonisolated(nonsending)
        public func enqueue(_ record: ProducerRecord, token: UInt) async throws(KafkaError)
    {
        precondition(token <= UInt.max >> 1, "token out of range")
        try await enqueue(record, tag: .token(token))
    }

    /// Hands a record to librdkafka if its queue has room, without suspending; false when the
    /// queue is full (nothing was queued and `onDelivery` will not be called).
    public func tryEnqueue(
        _ record: ProducerRecord,
        onDelivery: (@Sendable (Result<DeliveryReport, KafkaError>) -> Void)? = nil
    ) throws(KafkaError) -> Bool {
        try tryEnqueue(record, tag: onDelivery.map { .completion($0) } ?? .none)
    }

    nonisolated(nonsending)
        private func enqueue(_ record: ProducerRecord, tag: RDKafkaDeliveryTag) async throws(KafkaError)
    {
        while try !tryEnqueue(record, tag: tag) {
            await client.context.waitForQueueSpace()
        }
    }

    private func tryEnqueue(_ record: ProducerRecord, tag: RDKafkaDeliveryTag) throws(KafkaError) -> Bool {
        let code = client.produce(record, tag: tag)
        switch code {
        case .noError:
            return true
        case .queueFull:
            return false
        default:
            if let fatal = client.fatalError() { throw fatal }
            throw KafkaError(
                code: code, message: "produce to \(record.topic) refused: \(code.name)",
                isRetriable: RDKafkaErrors.isRetriableCode(code.rawValue))
        }
    }

    /// Waits until every queued record is delivered or failed.
    public func flush(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        let client = self.client
        try await client.blocking { () throws(KafkaError) in try client.flush(timeout: timeout) }
    }

    /// Records queued or in flight.
    var outstandingMessages: Int { client.outstandingMessages }

    /// Flushes (up to `timeout`), fails whatever is left, and stops serving delivery reports.
    public func close(timeout: Duration = .seconds(10)) async {
        do { try await flush(timeout: timeout) } catch {
            client.context.logger.warning("records not delivered before close", metadata: ["error": "\(error)"])
        }
        client.purge()
        client.stopPolling()
    }

    /// The producer's fatal error (for example, fenced by a newer instance), if any.
    public var fatalError: KafkaError? { client.fatalError() }

    /// The most recent error librdkafka reported for this client (connectivity, authentication, …).
    public var lastError: KafkaError? { client.context.lastError.withLock { $0 } }
}
