import Kafka
import Logging

/// Re-publishes DLT records to the topic they came from (`dlt.original.topic`): key, value and
/// original headers, plus `dlt.replayed.from`. Idempotent: each replayed record is noted in the
/// DLT's replay ledger (`<dlt>.replayed`, compacted, keyed by partition/offset) in the same
/// Kafka transaction as the record itself, and records already in the ledger are skipped.
public struct DeadLetterReplay: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var selected = 0
        public var published = 0
        /// Selected, but replayed before.
        public var alreadyReplayed = 0
    }

    public let kafka: KafkaConfiguration
    public let logger: Logger

    public init(kafka: KafkaConfiguration, logger: Logger) {
        self.kafka = kafka
        self.logger = logger
    }

    public static func ledger(of topic: String) -> String { "\(topic).replayed" }

    /// The record to publish for a DLT entry, or nil when it does not say where it came from.
    public static func republished(_ entry: DeadLetterEntry) -> ProducerRecord? {
        guard let target = entry.originalTopic else { return nil }
        var headers = entry.originalHeaders
        headers.append(KafkaHeader(DeadLetterHeader.replayedFrom, entry.coordinates))
        return ProducerRecord(topic: target, key: entry.record.key, value: entry.record.value, headers: headers)
    }

    public func run(topic: String, entries: [DeadLetterEntry], selection: ReplaySelection,
                    progress: (Int, Int) -> Void = { _, _ in }) async throws -> Outcome {
        let ledgerTopic = Self.ledger(of: topic)
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopics([TopicSpecification(name: ledgerTopic, partitions: 1, replicationFactor: 3,
                                                         config: ["cleanup.policy": "compact"])])
        var replayed: Set<String> = []
        try await TopicSnapshot.read(ledgerTopic, kafka: kafka, isolation: .readCommitted, logger: logger) { record in
            if let key = record.key { replayed.insert(String(decoding: key, as: UTF8.self)) }
        }
        var outcome = Outcome()
        var todo: [(DeadLetterEntry, ProducerRecord)] = []
        for entry in entries where selection.matches(entry) {
            outcome.selected += 1
            if replayed.contains("\(entry.record.partition)/\(entry.record.offset)") {
                outcome.alreadyReplayed += 1
            } else if let record = Self.republished(entry) {
                todo.append((entry, record))
            } else {
                logger.warning("DLT record has no dlt.original.topic; not replayed", metadata: ["record": "\(entry.coordinates)"])
            }
        }
        guard !todo.isEmpty else { return outcome }
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.transactionalID = "payments-bridge-dlt-replay.\(topic)"
        let producer = try TransactionalProducer(configuration: configuration, logger: logger)
        do {
            try await producer.initTransactions()
            for batch in stride(from: 0, to: todo.count, by: 500).map({ Array(todo[$0..<min($0 + 500, todo.count)]) }) {
                try producer.beginTransaction()
                for (entry, record) in batch {
                    try await producer.send(record)
                    try await producer.send(ProducerRecord(topic: ledgerTopic, key: Array("\(entry.record.partition)/\(entry.record.offset)".utf8),
                                                           value: Array(record.topic.utf8)))
                }
                try await producer.commitTransaction()
                outcome.published += batch.count
                progress(outcome.published, todo.count)
            }
        } catch {
            await producer.close()
            throw error
        }
        await producer.close()
        return outcome
    }
}
