import Avro
import DeadLetters
import Kafka
import Logging
import Metrics
import Payments
import ResponseCodec
import ServiceLifecycle
import Synchronization
import Timing

/// Consume → validate → map → encode → produce, exactly-once: the records a batch of internal
/// events produces (responses and dead letters) and the input offsets they came from are
/// committed in one Kafka transaction.
public final class BridgeService: Service {
    public struct Configuration: Sendable {
        public var inputTopic = "payments.events"
        public var consumerGroup = "payments-bridge"
        public var transactionalID = "payments-bridge-1"
        public var parser: PaymentEventParser
        public var partitions: [PaymentChannel: Int] = [:]
        public var replicationFactor = 3
        public var retention: Duration = .seconds(7 * 86_400)
        public var deadLetterRetention: Duration = .seconds(30 * 86_400)
        /// A transaction is committed after this many input records (also the most taken from
        /// one poll)…
        public var transactionMaxRecords = 5000
        /// …or this long after the previous commit began, whichever comes first.
        public var transactionMaxInterval: Duration = .milliseconds(25)
        /// The largest record the bridge writes (`message.max.bytes`, and the created topics'
        /// limit): room for the dead-letter copy of the largest event the parser accepts.
        public var maxRecordBytes = 1_048_576 + 65_536
        /// Partitions of `payments.events.DLT` when the bridge has to create it.
        public var deadLetterPartitions = 3
        /// How often `payments_bridge_consumer_lag` is refreshed.
        public var lagInterval: Duration = .seconds(5)
        /// The consumer's `session.timeout.ms` and `max.poll.interval.ms` (the group's rebalance timeout).
        public var sessionTimeout: Duration = .seconds(10)
        public var maxPollInterval: Duration = .seconds(300)
        /// How long one transactional call (send offsets, commit, abort) may block before it is
        /// called again to resume (librdkafka's `_TIMED_OUT`, "retry call to resume").
        var operationTimeout: Duration = .seconds(30)
        /// The producer's `linger.ms` (tests widen it to make a transaction one Produce request).
        var producerLinger: Duration = .milliseconds(5)

        public init(parser: PaymentEventParser) {
            self.parser = parser
        }
    }

    private let configuration: Configuration
    private let schema: AvroSchema
    private let registry: SchemaRegistry
    private let consumer: KafkaConsumer
    private let producer: TransactionalProducer
    private let provisioner: TopicProvisioner
    private let topics: OutputTopics
    private let metrics: BridgeMetrics
    private let logger: Logger
    private let state = Mutex(TransactionState())
    private let joined = Atomic<Bool>(false)
    private let committed = Mutex(Totals())
    private let failed = Mutex<String?>(nil)
    /// Why the last transaction could not be committed (cleared by the next commit).
    private let stalled = Mutex<String?>(nil)
    /// The subject whose schema id is being asked of the registry right now.
    private let awaitingRegistry = Mutex<String?>(nil)
    /// Parsing, validation, mapping and encoding, with the parser in use and each partner topic's route.
    private let preparation: RecordPreparation
    /// Input records whose output Kafka refuses, and partitions read one record per transaction
    /// to find such a record.
    private let refusals = Mutex(RecordRefusals())
    /// The consumer's count of records left out after a revoke, as far as it is in the metrics.
    private let reportedNotAssigned = Mutex(0)

    public init(
        configuration: Configuration, kafka: KafkaConfiguration, schema: AvroSchema, registry: SchemaRegistry,
        metricsFactory: MetricsFactory, logger: Logger
    ) throws {
        self.configuration = configuration
        self.schema = schema
        preparation = RecordPreparation(
            parser: configuration.parser, encoder: try PaymentResponseEncoder(schema: schema))
        self.registry = registry
        self.logger = logger
        metrics = BridgeMetrics(factory: metricsFactory)

        var consumerConfiguration = ConsumerConfiguration(kafka: kafka, groupID: configuration.consumerGroup)
        consumerConfiguration.isolationLevel = .readCommitted
        consumerConfiguration.pollBatchSize = configuration.transactionMaxRecords
        consumerConfiguration.sessionTimeout = configuration.sessionTimeout
        consumerConfiguration.maxPollInterval = configuration.maxPollInterval
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.transactionalID = configuration.transactionalID
        producerConfiguration.maxRecordBytes = configuration.maxRecordBytes
        producerConfiguration.linger = configuration.producerLinger
        producer = try TransactionalProducer(
            configuration: producerConfiguration, operationTimeout: configuration.operationTimeout,
            logger: logger)
        provisioner = TopicProvisioner(admin: try KafkaAdmin(configuration: kafka, logger: logger), logger: logger)
        topics = OutputTopics(
            partitions: configuration.partitions, replicationFactor: configuration.replicationFactor,
            retention: configuration.retention, deadLetterRetention: configuration.deadLetterRetention,
            maxRecordBytes: configuration.maxRecordBytes)
        consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        consumer.onRebalance { [weak self] event in await self?.rebalanced(event) }
    }

    /// An open transaction older than this means the bridge is stuck (it commits every
    /// `transactionMaxInterval` when healthy).
    static let stallAfter: Duration = .seconds(5)

    /// Ready once the consumer has joined its group (its assignment may be empty when there are
    /// more members than partitions), nothing fatal happened, and it is making progress: not
    /// waiting on the schema registry and not failing to commit.
    public var readiness: (ready: Bool, reason: String?) {
        if let failure = failed.withLock({ $0 }) { return (false, "bridge: \(failure)") }
        guard joined.load(ordering: .relaxed) else { return (false, "bridge: waiting for partition assignment") }
        if let subject = awaitingRegistry.withLock({ $0 }) {
            return (false, "bridge: waiting for the schema registry (subject \(subject))")
        }
        if let reason = stalled.withLock({ $0 }) { return (false, "bridge: not making progress: \(reason)") }
        let (open, age) = state.withLock { ($0.isOpen, ContinuousClock.now - $0.startedAt) }
        if open, age > Self.stallAfter {
            return (
                false,
                "bridge: not making progress: a transaction has been open for \(age.components.seconds) s without committing"
            )
        }
        return (true, nil)
    }

    /// Input records whose transaction has committed (responses, dead letters and skipped alike).
    /// The tenants known besides the configuration's (the control plane's): their events are
    /// answered from the next record read on.
    public func setAddedTenants(_ tenants: Set<String>) {
        var updated = configuration.parser
        updated.knownTenants.formUnion(tenants)
        preparation.parser.withLock { $0 = updated }
    }

    public var committedRecordCount: Int { committed.withLock { $0.events } }

    /// What the bridge committed since it started (for the demo's summary and tests; the
    /// metrics carry the same counts).
    public struct Totals: Sendable, Equatable {
        /// Input events whose outcome is committed.
        public var events = 0
        /// Responses, per partner topic.
        public var produced: [String: Int] = [:]
        /// Dead letters of input events, per reason.
        public var deadLettered: [String: Int] = [:]
        /// Events of internal-only types, per event type.
        public var skipped: [String: Int] = [:]
    }

    public var totals: Totals { committed.withLock { $0 } }

    public func run() async throws {
        try await initTransactions()
        await provisioner.ensure([
            topics.specification(
                deadLetterTopic: PaymentTopics.deadLetter(of: configuration.inputTopic),
                partitions: configuration.deadLetterPartitions)
        ])
        try consumer.subscribe([configuration.inputTopic])
        logger.info(
            "bridge consuming",
            metadata: [
                "topic": "\(configuration.inputTopic)",
                "group": "\(configuration.consumerGroup)",
            ])
        let lagReporter = Task { await reportLag() }
        defer { lagReporter.cancel() }
        do {
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                try await rewindIfNeeded()
                // An open transaction is committed on time even when no more records come.
                let wait = state.withLock {
                    $0.timeUntilDue(maxInterval: configuration.transactionMaxInterval, limit: .milliseconds(50))
                }
                let records = await consumer.poll(timeout: wait)
                if !records.isEmpty { logger.trace("polled", metadata: ["records": "\(records.count)"]) }
                try await process(records)
                if state.withLock({
                    $0.isDue(
                        maxRecords: configuration.transactionMaxRecords,
                        maxInterval: configuration.transactionMaxInterval)
                }) {
                    try await commitWhilePreparingNext()
                }
            }
            try await finishTransaction()
        } catch {
            failed.withLock { $0 = "\(error)" }
            logger.critical("bridge stopped", metadata: ["error": "\(error)"])
            // Nothing more can be committed by this producer: leave the group without trying.
            state.withLock { $0 = TransactionState() }
            await shutdown()
            throw error
        }
        await shutdown()
    }

    /// Refreshes the consumer-lag gauges until cancelled.
    private func reportLag() async {
        await consumer.reportLag(every: configuration.lagInterval) { partition, records in
            metrics.consumerLag(
                group: configuration.consumerGroup, topic: partition.topic, partition: partition.partition
            )
            .record(records)
        }
    }

    private func shutdown() async {
        await consumer.close()
        await producer.close()
        logger.info("bridge stopped cleanly")
    }

    private func initTransactions() async throws {
        var backoff = Backoff(first: .milliseconds(200), max: .seconds(5))
        while true {
            do {
                try await producer.initTransactions()
                return
            } catch {
                guard error.isRetriable, !Task.isCancelled else { throw error }
                logger.warning("initializing transactions failed, retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: backoff.next())
            }
        }
    }

    // MARK: Processing

    /// Commits the open transaction while the records already fetched for the next one are
    /// parsed and encoded, so that this work overlaps the commit's round trips instead of
    /// waiting for them. The next records join the transaction that follows; if the commit
    /// aborted instead, they are read again with the aborted ones.
    private func commitWhilePreparingNext() async throws {
        // Polling here (not during the commit) keeps rebalance callbacks, which commit or abort
        // themselves, from running while this commit is in progress.
        let next = await consumer.poll(timeout: .zero)
        guard !next.isEmpty else {
            try await finishTransaction()
            return
        }
        async let committed = finishTransaction()
        let prepared = next.map(prepare)
        guard try await committed else {
            state.withLock { $0.pendingRewind.merge(Self.firstOffsets(of: next), uniquingKeysWith: min) }
            return
        }
        try await process(next, prepared: prepared)
    }

    private func process(_ records: [ConsumerRecord], prepared: [PreparedRecord]? = nil) async throws {
        countRecordsOfRevokedPartitions()
        for (index, record) in records.enumerated() {
            do {
                let (refusal, isolated) = refusals.withLock { ($0.refusal(of: record), $0.isolates(record)) }
                try await emit(refusal.map(PreparedRecord.refused) ?? prepared?[index] ?? prepare(record), from: record)
                // Looking for the record Kafka refused: each in a transaction of its own.
                if isolated, try await !finishTransaction() {
                    state.withLock {
                        $0.pendingRewind.merge(Self.firstOffsets(of: records[(index + 1)...]), uniquingKeysWith: min)
                    }
                    try await Task.sleep(for: .milliseconds(500))
                    return
                }
            } catch {
                if let fatal = producer.endingError(error) { throw fatal }
                logger.warning(
                    "transaction failed; aborting and re-reading its records", metadata: ["error": "\(error)"])
                stalled.withLock { $0 = "\(error)" }
                // Records after the failed one were not processed: re-read them too.
                await abortTransaction(alsoRewind: Self.firstOffsets(of: records[index...]))
                if let fatal = producer.fatalError { throw fatal }
                try await Task.sleep(for: .milliseconds(500))
                return
            }
        }
    }

    /// Reports in the metrics the records the consumer left out because a rebalance in the same
    /// poll took their partition away: their offsets would otherwise be committed with the new
    /// generation's group metadata, which fencing does not stop, while their next owner answers
    /// them too. (Rebalances run only inside the poll, so a batch holds no other stale record.)
    private func countRecordsOfRevokedPartitions() {
        let leftOut = consumer.recordsOfRevokedPartitions
        let earlier = reportedNotAssigned.withLock { reported in
            defer { reported = leftOut }
            return reported
        }
        if leftOut > earlier { metrics.notAssigned(topic: configuration.inputTopic).increment(by: leftOut - earlier) }
    }

    /// Where to rewind each partition so that `records` are read again.
    private static func firstOffsets(of records: some Sequence<ConsumerRecord>) -> [TopicPartition: Int64] {
        Dictionary(records.map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: min)
    }

    /// What an input record becomes, worked out without the transaction: parsed, validated and,
    /// when its partner topic is known, encoded.
    private func prepare(_ record: ConsumerRecord) -> PreparedRecord {
        preparation.prepare(record.value)
    }

    /// Adds a prepared record to the open transaction (beginning one if none is open).
    private func emit(_ prepared: PreparedRecord, from record: ConsumerRecord) async throws {
        try beginTransactionIfNeeded()
        metrics.consumed.increment()
        switch prepared {
        case .response(let output, let key):
            try await send(output, to: key, from: record)
        case .unrouted(let response, let key):
            // The partner topic is used for the first time: created, and its schema id asked for.
            let route = try await route(for: response, key: key)
            try await send(preparation.output(response, route: route), to: key, from: record)
        case .skipped(let eventType):
            // A name from bridge.skipEventTypes: the label's values are bounded by the configuration.
            state.withLock {
                $0.skipped[eventType, default: 0] += 1
                $0.consumed(record)
            }
        case .rejected(let rejection):
            let reason = DeadLetterReason(rawValue: rejection.reason.rawValue) ?? .invalidEvent
            try await deadLetter(record, reason: reason, error: rejection.message)
            state.withLock { $0.consumed(record) }
        case .unsupported(let error):
            try await deadLetter(record, reason: .unsupportedBySchema, error: error)
            state.withLock { $0.consumed(record) }
        case .refused(let refusal):
            try await deadLetter(record, reason: .oversized, error: refusal.error, withoutValue: refusal.withoutValue)
            state.withLock { $0.consumed(record) }
        }
    }

    /// Hands a response to the producer and books it, with its input record, in the transaction.
    /// A response librdkafka refuses as it is (larger than `message.max.bytes`) dead-letters
    /// its event `oversized` instead.
    private func send(_ output: ProducerRecord, to key: ResponseKey, from record: ConsumerRecord) async throws {
        let refused: KafkaError
        do {
            // The usual case runs without suspending: room in the producer's queue.
            if try !producer.trySend(output) { try await producer.send(output) }
            state.withLock {
                $0.produced[key, default: 0] += 1
                $0.consumed(record)
            }
            return
        } catch {
            guard error.refusesRecord else { throw error }
            refused = error
        }
        try await deadLetter(
            record, reason: .oversized,
            error: "Kafka refused the response of \(output.value?.count ?? 0) bytes: \(refused)")
        state.withLock { $0.consumed(record) }
    }

    /// Writes the event's dead-letter copy. A copy librdkafka refuses as it is (too large with
    /// its headers) is written without the original value, then also without the original
    /// headers, the refusal noted; the coordinates and the reason always remain.
    private func deadLetter(
        _ record: ConsumerRecord, reason: DeadLetterReason, error: String,
        withoutValue: Bool = false
    ) async throws {
        logger.warning(
            "event dead-lettered",
            metadata: [
                "reason": "\(reason.rawValue)", "error": "\(error)",
                "partition": "\(record.partition)", "offset": "\(record.offset)",
            ])
        var copy = DeadLetterCopy(
            of: record, cause: DeadLetterCause(reason: reason, error: error),
            consumerGroup: configuration.consumerGroup)
        if withoutValue { copy.dropValue() }
        while true {
            do {
                try await producer.send(copy.record)
                break
            } catch {
                guard error.refusesRecord, copy.shorten(refusedBecause: "\(error)") else { throw error }
            }
        }
        state.withLock { $0.deadLettered[reason.rawValue, default: 0] += 1 }
    }

    /// The response's topic and its schema id (subject `<topic>-value`); creates the topic on first use.
    private func route(for response: PaymentResponse, key: ResponseKey) async throws -> ResponseRoute {
        if let known = preparation.routes.withLock({ $0[key] }) { return known }
        let topic = response.topic
        await provisioner.ensure(topics.specifications(responseTopic: topic, channel: response.channel))
        awaitingRegistry.withLock { $0 = "\(topic)-value" }
        defer { awaitingRegistry.withLock { $0 = nil } }
        let route = ResponseRoute(topic: topic, schemaID: try await registry.id(of: schema, subject: "\(topic)-value"))
        preparation.routes.withLock { $0[key] = route }
        return route
    }

    // MARK: Transactions

    private func beginTransactionIfNeeded() throws(KafkaError) {
        guard !state.withLock({ $0.isOpen }) else { return }
        try producer.beginTransaction()
        state.withLock { $0.begin() }
    }

    /// Commits the open transaction with its offsets (the producer resumes and retries what
    /// librdkafka asks it to); when it cannot commit, aborts it and rewinds its records. Throws
    /// what ends the producer (fenced by a newer instance). False when it aborted.
    @discardableResult
    func finishTransaction() async throws -> Bool {
        let snapshot = state.withLock { $0 }
        guard snapshot.isOpen else { return true }
        let started = ContinuousClock.now
        let offsets = snapshot.ranges.map {
            TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.next)
        }
        let consumer = self.consumer
        let outcome = try await producer.commit(
            offsets, groupMetadata: { () throws(KafkaError) in try consumer.groupMetadata() },
            onWait: { error in stalled.withLock { $0 = "committing: \(error)" } })
        switch outcome {
        case .committed:
            logger.debug(
                "transaction committed",
                metadata: [
                    "records": "\(snapshot.count)", "open": "\(started - snapshot.startedAt)",
                    "commit": "\(ContinuousClock.now - started)",
                ])
            recordCommitted(snapshot)
            state.withLock { $0.committed(startedAt: started) }
            return true
        case .abortRequired(let error):
            logger.warning(
                "commit failed; aborting and re-reading the transaction's records", metadata: ["error": "\(error)"])
            stalled.withLock { $0 = "commit failed: \(error)" }
            await abortTransaction(alsoRewind: [:])
            if let fatal = producer.fatalError { throw fatal }
            return false
        }
    }

    private func recordCommitted(_ snapshot: TransactionState) {
        stalled.withLock { $0 = nil }
        refusals.withLock { if !$0.isEmpty { $0.committed(snapshot.ranges) } }
        metrics.transactions(outcome: "committed").increment()
        let topics = preparation.routes.withLock { routes in
            snapshot.produced.keys.map { ($0, routes[$0]?.topic ?? "\($0.channel).\($0.tenant)") }
        }
        committed.withLock { totals in
            totals.events += snapshot.count
            for (key, topic) in topics { totals.produced[topic, default: 0] += snapshot.produced[key] ?? 0 }
            totals.deadLettered.merge(snapshot.deadLettered, uniquingKeysWith: +)
            totals.skipped.merge(snapshot.skipped, uniquingKeysWith: +)
        }
        for (key, count) in snapshot.produced {
            metrics.produced(channel: key.channel, tenant: key.tenant).increment(by: count)
        }
        for (reason, count) in snapshot.deadLettered {
            metrics.deadLetters(source: configuration.inputTopic, reason: reason).increment(by: count)
        }
        for (type, count) in snapshot.skipped { metrics.skipped(eventType: type).increment(by: count) }
    }

    /// Aborts the open transaction and schedules a rewind of its partitions (and `extra`) to
    /// their first uncommitted record, so nothing it held is lost.
    private func abortTransaction(alsoRewind extra: [TopicPartition: Int64]) async {
        let snapshot = state.withLock { $0 }
        if snapshot.isOpen {
            await producer.abort { error in stalled.withLock { $0 = "aborting a failed transaction: \(error)" } }
            metrics.transactions(outcome: "aborted").increment()
            // A record Kafka refused made it fail: find it and dead-letter it when read again.
            if let refused = producer.takeRefusedDelivery() {
                let outcome = refusals.withLock {
                    $0.transactionFailed(records: snapshot.count, ranges: snapshot.ranges, error: refused)
                }
                let what =
                    !outcome
                    ? "Kafka refused a dead-letter copy even without its value"
                    : snapshot.count == 1
                        ? "Kafka refused the record of a one-event transaction; the event is dead-lettered when read again"
                        : "Kafka refused a record of the transaction; reading its records again one per transaction"
                logger.warning(
                    "\(what)",
                    metadata: ["records": "\(snapshot.count)", "error": "\(refused)"])
                if !outcome { stalled.withLock { $0 = "the dead-letter topic refuses records: \(refused)" } }
            }
        }
        state.withLock { state in
            var rewind = state.pendingRewind.merging(snapshot.firstOffsets, uniquingKeysWith: min)
            rewind.merge(extra, uniquingKeysWith: min)
            state = TransactionState()
            state.pendingRewind = rewind
        }
    }

    private func rewindIfNeeded() async throws {
        let assigned = consumer.assignment
        let rewind = state.withLock { state -> [TopicPartitionOffset] in
            defer { state.pendingRewind = [:] }
            return state.pendingRewind.filter { assigned.contains($0.key) }
                .map { TopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
        }
        guard !rewind.isEmpty else { return }
        try await consumer.seek(rewind)
        logger.info("rewound after an aborted transaction", metadata: ["partitions": "\(rewind.map(\.description))"])
    }

    // MARK: Rebalance

    /// Awaited by the consumer's poll before partitions are given up (while `run` awaits the
    /// poll): the open transaction is committed (or, for lost partitions, aborted) first.
    private func rebalanced(_ event: RebalanceEvent) async {
        switch event {
        case .assigned(let partitions):
            joined.store(true, ordering: .relaxed)
            stalled.withLock { $0 = nil }
            logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.description))"])
        case .revoked(let partitions), .lost(let partitions):
            logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description))"])
            // After the open transaction is finished (an abort may mark refusals of these partitions).
            defer { refusals.withLock { $0.forget(partitions) } }
            joined.store(false, ordering: .relaxed)  // until the group assigns partitions again
            guard state.withLock({ $0.isOpen }) else { return }
            let records = state.withLock { $0.count }
            if case .lost = event {
                logger.info("partitions lost: aborting the open transaction", metadata: ["records": "\(records)"])
                await abortTransaction(alsoRewind: [:])
            } else {
                do {
                    let committed = try await finishTransaction()
                    logger.info(
                        "open transaction finished before giving up partitions",
                        metadata: [
                            "records": "\(records)", "outcome": "\(committed ? "committed" : "aborted")",
                        ])
                } catch {
                    failed.withLock { $0 = "\(error)" }
                }
            }
        }
    }
}
