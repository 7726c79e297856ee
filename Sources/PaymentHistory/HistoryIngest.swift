import DeadLetters
import Kafka
import Logging
import Metrics
import Payments
import ResponseCodec
import ServiceLifecycle
import Synchronization
import Timing

/// Keeps the view: reads every partner response topic (`payments.responses.*`), their dead-letter
/// topics and the sink's attempt log, from where the store says it stopped, and writes what they
/// add in batches, each with its positions in one transaction. Every instance keeps the whole
/// view: the partitions are assigned by hand (no group, nothing committed to Kafka), and new
/// topics (a tenant added at runtime) are picked up by looking at the cluster's topics again.
public final class HistoryIngest: Service, Sendable {
    public struct Configuration: Sendable {
        /// The sink's attempt log (`<sink group>.attempts`); nil: no delivery attempts in the view.
        public var attemptTopic: String?
        /// A batch is written when it holds this many records, or is this old.
        public var maxBatchRecords = 5_000
        public var maxBatchAge: Duration = .milliseconds(100)
        /// How often the cluster's topics are looked at for new ones.
        public var discoveryInterval: Duration = .seconds(5)
        /// How often the lag gauge is refreshed.
        public var lagInterval: Duration = .seconds(10)
        /// How much the consumer fetches ahead (librdkafka's queue, in KiB).
        public var prefetchKilobytes = 8_192
        /// A group id librdkafka requires; nothing is ever committed under it.
        public var clientGroup = "payments-history"

        public init(attemptTopic: String?) { self.attemptTopic = attemptTopic }

        /// Whether the view follows `topic`.
        func follows(_ topic: String) -> Bool {
            if topic == attemptTopic { return true }
            if PaymentTopics.route(ofResponses: topic) != nil { return true }
            if let source = PaymentTopics.source(ofDeadLetter: topic) {
                return PaymentTopics.route(ofResponses: source) != nil
            }
            return false
        }
    }

    public let store: HistoryStore
    private let configuration: Configuration
    private let consumer: KafkaConsumer
    private let admin: KafkaAdmin
    private let decoder: PaymentResponseDecoder
    private let logger: Logger
    private let lagGauge: Gauge
    private let applied: Counter
    private let metricsFactory: MetricsFactory
    private let state = Mutex(State())

    private struct State {
        var assigned: Set<TopicPartition> = []
        var positions: [TopicPartition: Int64] = [:]
        var lag: Int64?
        /// The cluster's topics were looked at once at least (no lag is reported before).
        var discovered = false
    }

    public init(
        store: HistoryStore, configuration: Configuration, kafka: KafkaConfiguration, decoder: PaymentResponseDecoder,
        metricsFactory: MetricsFactory, logger: Logger
    ) throws {
        self.store = store
        self.configuration = configuration
        self.decoder = decoder
        self.logger = logger
        self.metricsFactory = metricsFactory
        var consumerConfiguration = ConsumerConfiguration(kafka: kafka, groupID: configuration.clientGroup)
        consumerConfiguration.offsetReset = .earliest
        // A batch writer needs little read-ahead: librdkafka's default (64 MiB) would only hold
        // memory while the database is written.
        consumerConfiguration.prefetchKilobytes = configuration.prefetchKilobytes
        consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        admin = try KafkaAdmin(configuration: kafka, logger: logger)
        lagGauge = Gauge(label: "payments_bridge_history_lag_records", factory: metricsFactory)
        applied = Counter(label: "payments_bridge_history_records_total", factory: metricsFactory)
    }

    /// Records in the followed topics not yet in the view (nil before the first measurement).
    public var lag: Int64? { state.withLock { $0.lag } }

    public func run() async throws {
        state.withLock { $0.positions = [:] }
        let stored = try await store.positions()
        state.withLock { $0.positions = stored }
        let lagReporter = Task { await reportLag() }
        defer { lagReporter.cancel() }
        var nextDiscovery = ContinuousClock.now
        var batch = HistoryBatch()
        var batchStarted = ContinuousClock.now
        // On a graceful shutdown the loop ends, the batch in hand is written, and the consumer closes.
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if ContinuousClock.now >= nextDiscovery {
                try await write(&batch)
                await discover()
                nextDiscovery = .now + configuration.discoveryInterval
            }
            let records = await consumer.poll(timeout: .milliseconds(50))
            if batch.isEmpty { batchStarted = .now }
            for record in records {
                guard let entry = await entry(for: record) else { break }
                switch entry {
                case .response(let response): batch.responses.append(response)
                case .attempt(let attempt): batch.attempts.append(attempt)
                case .deadLetter(let deadLetter): batch.deadLetters.append(deadLetter)
                case .none: break
                }
                batch.positions[record.topicPartition] = record.offset + 1
            }
            if batch.count >= configuration.maxBatchRecords
                || ContinuousClock.now - batchStarted >= configuration.maxBatchAge
            {
                try await write(&batch)
            }
        }
        try? await write(&batch)
        await consumer.close()
    }

    private func write(_ batch: inout HistoryBatch) async throws {
        guard !batch.isEmpty else { return }
        var backoff = Backoff(first: .milliseconds(100), max: .seconds(5))
        while true {
            do {
                try await store.apply(batch)
                break
            } catch {
                logger.error("cannot write the payment history; trying again", metadata: ["error": "\(error)"])
                try await Task.sleep(for: backoff.next())
            }
        }
        applied.increment(by: batch.count)
        let positions = batch.positions
        state.withLock { s in s.positions.merge(positions) { max($0, $1) } }
        batch = HistoryBatch()
    }

    /// Headers that mark a record as a copy of an earlier one.
    static let copyHeaders = [ResponseResend.resentFrom, DeadLetterHeader.replayedFrom]

    enum Entry {
        case response(ResponseEntry)
        case attempt(AttemptEntry)
        case deadLetter(DeadLetterEntry)
        case none
    }

    /// What a record adds to the view; `.none` for a record that adds nothing (counted and
    /// logged when it should have); nil when the service is stopping.
    private func entry(for record: ConsumerRecord) async -> Entry? {
        let position = RecordPosition(topic: record.topic, partition: record.partition, offset: record.offset)
        if record.topic == configuration.attemptTopic {
            guard let value = record.value, let attempt = DeliveryAttempt.decoded(from: value) else {
                return skipped(record, reason: "not an attempt-log entry")
            }
            return .attempt(AttemptEntry(position: position, attempt: attempt))
        }
        // A response topic's DLT first: its name (`<topic>.DLT`) also reads as a response topic.
        if PaymentTopics.source(ofDeadLetter: record.topic).flatMap(PaymentTopics.route(ofResponses:)) != nil {
            guard let deadLetter = DeadLetterEntry(record) else { return skipped(record, reason: "not a dead letter") }
            return .deadLetter(deadLetter)
        }
        if let route = PaymentTopics.route(ofResponses: record.topic) {
            // A copy (a resend, a DLT replay) is the same event again: its attempts are the
            // event's attempts, its record adds nothing to the payment's history.
            if Self.copyHeaders.contains(where: { record.headers.last(named: $0) != nil }) { return Entry.none }
            var backoff = Backoff(first: .milliseconds(500), max: .seconds(10))
            while !Task.isCancelled, !Task.isShuttingDownGracefully {
                do {
                    let response = try await decoder.decode(record.value, channel: route.channel)
                    return .response(
                        ResponseEntry(
                            position: position, tenant: route.tenant, response: response, writtenAt: record.timestamp))
                } catch {
                    guard error.isTransient else { return skipped(record, reason: "\(error)") }
                    logger.warning("schema registry unreachable; the history waits", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: backoff.next())
                }
            }
            return nil
        }
        return .none
    }

    private func skipped(_ record: ConsumerRecord, reason: String) -> Entry {
        Counter(
            label: "payments_bridge_history_skipped_total", dimensions: [("topic", record.topic)],
            factory: metricsFactory
        )
        .increment()
        logger.warning(
            "record left out of the payment history",
            metadata: [
                "topic": "\(record.topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
                "reason": "\(reason)",
            ])
        return .none
    }

    /// Assigns every partition of the followed topics, each from its stored position.
    private func discover() async {
        guard let metadata = try? await admin.metadata() else { return }
        var wanted: Set<TopicPartition> = []
        for (topic, partitions) in metadata.topics where configuration.follows(topic) {
            for partition in 0..<partitions { wanted.insert(TopicPartition(topic: topic, partition: Int32(partition))) }
        }
        let offsets: [TopicPartitionOffset]? = state.withLock { s in
            s.discovered = true
            guard wanted != s.assigned else { return nil }
            s.assigned = wanted
            return wanted.map {
                TopicPartitionOffset(
                    topic: $0.topic, partition: $0.partition, offset: s.positions[$0] ?? KafkaOffset.beginning)
            }
        }
        guard let offsets else { return }
        do {
            try consumer.assign(offsets)
            logger.info("payment history follows \(offsets.count) partitions")
        } catch {
            state.withLock { $0.assigned = [] }
            logger.warning("cannot assign the history's partitions; trying again", metadata: ["error": "\(error)"])
        }
    }

    private func reportLag() async {
        while !Task.isCancelled {
            let (partitions, positions, discovered) = state.withLock { ($0.assigned, $0.positions, $0.discovered) }
            var lag: Int64 = 0
            var complete = discovered
            for partition in partitions {
                guard let (_, high) = try? await consumer.watermarks(partition, timeout: .seconds(5)) else {
                    complete = false
                    break
                }
                lag += max(0, high - (positions[partition] ?? 0))
            }
            if complete {
                state.withLock { $0.lag = lag }
                lagGauge.record(lag)
            }
            try? await Task.sleep(for: configuration.lagInterval)
        }
    }
}
