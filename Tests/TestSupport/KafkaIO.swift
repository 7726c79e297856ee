import Kafka
import Synchronization

/// Produces `records` in order with an idempotent producer; fails unless every one was written.
public func produceAll(_ records: [ProducerRecord], kafka: KafkaConfiguration) async throws {
    let failures = Mutex<[KafkaError]>([])
    let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: quietLogger) {
        outcome in
        if let error = outcome.error { failures.withLock { $0.append(error) } }
    }
    for (index, record) in records.enumerated() {
        try await producer.enqueue(record, token: UInt(index))
    }
    try await producer.flush()
    await producer.close()
    if let failure = failures.withLock({ $0.first }) { throw failure }
}

/// Reads `topics` from the beginning, as a new consumer group, until `done` says so or `timeout` passed.
public func readTopics(
    _ topics: [String], kafka: KafkaConfiguration, timeout: Duration = .seconds(40),
    until done: ([ConsumerRecord]) -> Bool
) async throws -> [ConsumerRecord] {
    var configuration = ConsumerConfiguration(kafka: kafka, groupID: uniqueTopic("reader"))
    configuration.sessionTimeout = .seconds(6)
    configuration.maxPollInterval = .seconds(15)
    let consumer = try KafkaConsumer(configuration: configuration, logger: quietLogger)
    try consumer.subscribe(topics)
    var records: [ConsumerRecord] = []
    let deadline = ContinuousClock.now + timeout
    while !done(records), ContinuousClock.now < deadline {
        records += await consumer.poll(timeout: .milliseconds(200))
    }
    await consumer.close()
    return records
}
