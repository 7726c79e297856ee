import Kafka
import Logging

/// Publishes records once per source record, however often it is asked: each record is written
/// with its ledger entry (a compacted topic keyed by the source record's coordinates) in one
/// Kafka transaction, and records whose key is in the ledger already are skipped. The
/// transactional id is registered (fencing any other publisher with the same id, and ending the
/// transaction a crashed one left open) before the ledger is read, so two runs cannot both publish
/// a record and a crashed run does not hold up the next. `dlt replay` and `resend` publish this way.
struct LedgeredPublisher: Sendable {
    let kafka: KafkaConfiguration
    let maxRecordBytes: Int?
    let logger: Logger

    /// Publishes the records whose key is not in `ledger`; how many were published, and how many
    /// were in the ledger already.
    func publish(
        _ items: [(key: String, record: ProducerRecord)], ledger: String, transactionalID: String,
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> (published: Int, already: Int) {
        guard !items.isEmpty else { return (0, 0) }
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopics([
            TopicSpecification(name: ledger, partitions: 1, replicationFactor: 3, config: ["cleanup.policy": "compact"])
        ])
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.transactionalID = transactionalID
        configuration.maxRecordBytes = maxRecordBytes
        let producer = try TransactionalProducer(configuration: configuration, logger: logger)
        do {
            // Fence first, then read what earlier runs committed.
            try await producer.initTransactions()
            var done: Set<String> = []
            try await TopicSnapshot.read(ledger, kafka: kafka, isolation: .readCommitted, logger: logger) { record in
                if let key = record.key { done.insert(String(decoding: key, as: UTF8.self)) }
            }
            let todo = items.filter { !done.contains($0.key) }
            var published = 0
            for start in stride(from: 0, to: todo.count, by: 500) {
                try producer.beginTransaction()
                for (key, record) in todo[start..<min(start + 500, todo.count)] {
                    try await producer.send(record)
                    try await producer.send(
                        ProducerRecord(topic: ledger, key: Array(key.utf8), value: Array(record.topic.utf8)))
                }
                try await producer.commitTransaction()
                published = min(start + 500, todo.count)
                progress(published, todo.count)
            }
            await producer.close()
            return (published, items.count - todo.count)
        } catch {
            await producer.close()
            throw error
        }
    }
}
