import Logging
import Timing

/// A transactional producer for consume-transform-produce: records and the consumer offsets
/// they came from are committed together, or not at all.
///
/// Errors carry librdkafka's classification (`KafkaError.classification`): `retriable` (call
/// again), `requiresAbort` (abort the transaction, rewind the consumer, retry), `fatal` (the
/// producer is unusable, e.g. fenced by a newer instance with the same transactional id).
public final class TransactionalProducer: Sendable {
    private let producer: KafkaProducer
    private let operationTimeout: Duration
    private let logger: Logger

    public init(
        configuration: ProducerConfiguration, operationTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "kafka.transactional-producer")
    ) throws(KafkaError) {
        guard configuration.transactionalID?.isEmpty == false else {
            throw KafkaError.configuration("a transactional producer needs a transactional id")
        }
        producer = try KafkaProducer(configuration: configuration, logger: logger)
        self.operationTimeout = operationTimeout
        self.logger = logger
    }

    /// Registers the transactional id with the coordinator, fencing older instances and
    /// completing any transaction they left open.
    public func initTransactions() async throws(KafkaError) {
        try await blocking { client, timeout throws(KafkaError) in try client.initTransactions(timeout: timeout) }
    }

    public func beginTransaction() throws(KafkaError) {
        try producer.client.beginTransaction()
    }

    /// Adds a record to the open transaction; waits while the producer queue is full.
    nonisolated(nonsending)
        public func send(
            _ record: ProducerRecord,
            onDelivery: (@Sendable (Result<DeliveryReport, KafkaError>) -> Void)? = nil
        ) async throws(KafkaError)
    {
        try await producer.enqueue(record, onDelivery: onDelivery)
    }

    /// Adds a record to the open transaction if the producer queue has room, without
    /// suspending; false when it is full (then `send` waits for room).
    public func trySend(_ record: ProducerRecord) throws(KafkaError) -> Bool {
        try producer.tryEnqueue(record)
    }

    /// Adds the consumer's next offsets to the open transaction.
    public func sendOffsets(_ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata)
        async throws(KafkaError)
    {
        let metadata = groupMetadata.storage
        try await blocking { client, timeout throws(KafkaError) in
            try client.sendOffsetsToTransaction(offsets, groupMetadata: metadata, timeout: timeout)
        }
    }

    /// Flushes the transaction's records and commits them with their offsets.
    public func commitTransaction() async throws(KafkaError) {
        try await blocking { client, timeout throws(KafkaError) in try client.commitTransaction(timeout: timeout) }
    }

    /// Aborts the open transaction: its records are marked aborted and its offsets discarded.
    public func abortTransaction() async throws(KafkaError) {
        try await blocking { client, timeout throws(KafkaError) in try client.abortTransaction(timeout: timeout) }
    }

    /// The latest refusal of a record of this producer's (`KafkaError.refusesRecord`) reported
    /// since the last call: when a transaction fails, whether a record of it was the cause.
    public func takeRefusedDelivery() -> KafkaError? {
        producer.client.context.refusedDelivery.withLock { refused in
            defer { refused = nil }
            return refused
        }
    }

    public var fatalError: KafkaError? { producer.fatalError }
    public var lastError: KafkaError? { producer.lastError }

    // MARK: Finishing a transaction

    /// How `commit(_:groupMetadata:onWait:)` ended, when it did not throw.
    public enum CommitOutcome: Sendable, Equatable {
        case committed
        /// The transaction cannot commit: abort it (`abort(onWait:)`) and process its input again.
        case abortRequired(KafkaError)
    }

    /// Adds the consumer's next `offsets` to the open transaction and commits it, doing what
    /// librdkafka asks of each error:
    /// - a call that timed out goes on inside librdkafka and must be called again to finish
    ///   ("retry call to resume"), however long the brokers stay away: giving up would leave it
    ///   in progress, and every later call, even an abort, is refused. `onWait` hears of each.
    /// - once the offsets are in the transaction, a retry only commits: after a commit that timed
    ///   out, sending the offsets again (or aborting) is refused while the commit is in progress;
    /// - other retriable errors are retried (up to five attempts);
    /// - an error that requires an abort, or a retriable one that keeps failing, is returned as
    ///   `abortRequired`;
    /// - an error that ends the producer (`endingError`) is thrown.
    public func commit(
        _ offsets: [TopicPartitionOffset],
        groupMetadata: @Sendable () throws(KafkaError) -> ConsumerGroupMetadata,
        onWait: (KafkaError) -> Void = { _ in }
    ) async throws(KafkaError) -> CommitOutcome {
        var offsetsSent = offsets.isEmpty
        var attempt = 0
        while true {
            attempt += 1
            do {
                if !offsetsSent {
                    try await sendOffsets(offsets, groupMetadata: try groupMetadata())
                    offsetsSent = true
                }
                try await commitTransaction()
                return .committed
            } catch {
                if let ending = endingError(error) { throw ending }
                if error.code == .timedOut, !error.requiresAbort, !Task.isCancelled {
                    logger.warning(
                        "transactional call did not finish, calling it again",
                        metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                    onWait(error)
                    try? await Task.sleep(for: min(.milliseconds(100 * attempt), .seconds(5)))
                    continue
                }
                if error.isRetriable, !error.requiresAbort, attempt < 5 {
                    logger.warning("commit failed, retrying", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                    try? await Task.sleep(for: .milliseconds(100 * attempt))
                    continue
                }
                return .abortRequired(error)
            }
        }
    }

    /// Aborts the open transaction. An abort that timed out (the brokers are unreachable) is
    /// called again to finish, up to `attempts` times: librdkafka refuses a new transaction
    /// meanwhile; `onWait` hears of each. Other failures (another call in progress, a
    /// transaction librdkafka already ended, an error that ends the producer) are logged and
    /// left as they are: check `fatalError` afterwards.
    public func abort(attempts: Int = 10, onWait: (KafkaError) -> Void = { _ in }) async {
        var backoff = Backoff(first: .milliseconds(200), max: .seconds(5))
        for attempt in 1... {
            do {
                try await abortTransaction()
                return
            } catch {
                guard endingError(error) == nil, error.code == .timedOut, attempt < attempts, !Task.isCancelled else {
                    logger.error("abort failed", metadata: ["error": "\(error)"])
                    return
                }
                logger.warning("abort did not finish, calling it again", metadata: ["error": "\(error)"])
                onWait(error)
                try? await Task.sleep(for: backoff.next())
            }
        }
    }

    /// The error that ends this producer, if `error` is one: librdkafka's fatal errors, and being
    /// fenced by a newer instance with the same transactional id (which librdkafka may report
    /// first as an abortable error of the transaction, then time out the abort).
    public func endingError(_ error: any Error) -> KafkaError? {
        if let fatal = fatalError { return fatal }
        guard let error = error as? KafkaError else { return nil }
        if error.isFatal { return error }
        if error.code == .fenced || error.code == .producerFenced {
            return KafkaError(code: error.code, message: error.message, isFatal: true)
        }
        return nil
    }

    public func close(timeout: Duration = .seconds(10)) async {
        await producer.close(timeout: timeout)
    }

    private func blocking(_ body: @escaping @Sendable (RDKafkaClient, Duration) throws(KafkaError) -> Void)
        async throws(KafkaError)
    {
        let client = producer.client
        let timeout = operationTimeout
        try await client.blocking { () throws(KafkaError) in try body(client, timeout) }
    }
}
