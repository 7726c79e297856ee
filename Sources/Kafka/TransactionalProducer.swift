import Logging

/// A transactional producer for consume-transform-produce: records and the consumer offsets
/// they came from are committed together, or not at all.
///
/// Errors carry librdkafka's classification (`KafkaError.classification`): `retriable` (call
/// again), `requiresAbort` (abort the transaction, rewind the consumer, retry), `fatal` (the
/// producer is unusable, e.g. fenced by a newer instance with the same transactional id).
public final class TransactionalProducer: Sendable {
    private let producer: KafkaProducer
    private let operationTimeout: Duration

    public init(configuration: ProducerConfiguration, operationTimeout: Duration = .seconds(30),
                logger: Logger = Logger(label: "kafka.transactional-producer")) throws(KafkaError) {
        guard configuration.transactionalID?.isEmpty == false else {
            throw KafkaError.configuration("a transactional producer needs a transactional id")
        }
        producer = try KafkaProducer(configuration: configuration, logger: logger)
        self.operationTimeout = operationTimeout
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
    public func send(_ record: ProducerRecord,
                     onDelivery: (@Sendable (Result<DeliveryReport, KafkaError>) -> Void)? = nil) async throws(KafkaError) {
        try await producer.enqueue(record, onDelivery: onDelivery)
    }

    /// Adds a record to the open transaction if the producer queue has room, without
    /// suspending; false when it is full (then `send` waits for room).
    public func trySend(_ record: ProducerRecord) throws(KafkaError) -> Bool {
        try producer.tryEnqueue(record)
    }

    /// Adds the consumer's next offsets to the open transaction.
    public func sendOffsets(_ offsets: [TopicPartitionOffset], groupMetadata: ConsumerGroupMetadata) async throws(KafkaError) {
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
        producer.client.context.refusedDelivery.withLock { refused in defer { refused = nil }; return refused }
    }

    public var fatalError: KafkaError? { producer.fatalError }
    public var lastError: KafkaError? { producer.lastError }

    public func close(timeout: Duration = .seconds(10)) async {
        await producer.close(timeout: timeout)
    }

    private func blocking(_ body: @escaping @Sendable (RDKafkaClient, Duration) throws(KafkaError) -> Void) async throws(KafkaError) {
        let client = producer.client
        let timeout = operationTimeout
        try await client.blocking { () throws(KafkaError) in try body(client, timeout) }
    }
}
