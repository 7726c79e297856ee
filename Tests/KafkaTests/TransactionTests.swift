import Kafka
import KafkaEmbedded
import TestSupport
import Testing

@Suite("Transactions on the embedded broker")
struct TransactionTests {
    func transactional(_ mock: MockKafka, id: String) throws -> TransactionalProducer {
        var configuration = ProducerConfiguration(kafka: mock.kafka)
        configuration.transactionalID = id
        configuration.linger = .milliseconds(1)
        return try TransactionalProducer(
            configuration: configuration, operationTimeout: .seconds(20), logger: quietLogger)
    }

    @Test("consume-transform-produce commits records and the consumer offsets together")
    func commitWithOffsets() async throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let input = uniqueTopic("in")
        let output = uniqueTopic("out")
        try mock.cluster.createTopic(input, partitions: 1)
        try mock.cluster.createTopic(output, partitions: 1)
        let plain = try mock.producer()
        for index in 0..<5 {
            try await plain.send(ProducerRecord(topic: input, key: bytes("p\(index)"), value: bytes("\(index)")))
        }

        let consumer = try mock.consumer(group: "g-txn")
        try consumer.subscribe([input])
        let records = await read(consumer, count: 5)
        #expect(records.count == 5)

        let producer = try transactional(mock, id: "txn-commit")
        try await producer.initTransactions()
        try producer.beginTransaction()
        for record in records {
            try await producer.send(
                ProducerRecord(topic: output, key: record.key, value: bytes("out-\(text(record.value)!)")))
        }
        let next = TopicPartitionOffset(topic: input, partition: 0, offset: records.last!.offset + 1)
        try await producer.sendOffsets([next], groupMetadata: try consumer.groupMetadata())
        try await producer.commitTransaction()

        // The mock discards offsets sent with a transaction (librdkafka 2.0.2); the records are
        // what can be checked here. Real brokers are checked in RealBrokerTests.
        let reader = try mock.consumer(group: "g-txn-reader")
        try reader.subscribe([output])
        let produced = await read(reader, count: 5)
        #expect(produced.map { text($0.value) } == (0..<5).map { "out-\($0)" })
        await reader.close()
        await consumer.close()
        await producer.close()
        await plain.close()
    }

    @Test("an aborted transaction can be followed by a committed one")
    func abortThenCommit() async throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let output = uniqueTopic("out")
        try mock.cluster.createTopic(output, partitions: 1)
        let producer = try transactional(mock, id: "txn-abort")
        try await producer.initTransactions()
        try producer.beginTransaction()
        try await producer.send(ProducerRecord(topic: output, key: nil, value: bytes("aborted")))
        try await producer.abortTransaction()
        try producer.beginTransaction()
        try await producer.send(ProducerRecord(topic: output, key: nil, value: bytes("committed")))
        try await producer.commitTransaction()
        #expect(producer.fatalError == nil)
        await producer.close()
    }

    @Test("beginning a transaction before initTransactions is refused with a clear error")
    func beginBeforeInit() throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let producer = try transactional(mock, id: "txn-noinit")
        #expect(throws: KafkaError.self) { try producer.beginTransaction() }
    }

    @Test("a transactional producer needs a transactional id")
    func missingTransactionalID() throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        #expect(throws: KafkaError.self) {
            _ = try TransactionalProducer(configuration: ProducerConfiguration(kafka: mock.kafka), logger: quietLogger)
        }
    }

    @Test("an invalid-state error on EndTxn is fatal: the producer reports it and must be replaced")
    func endTxnFatal() async throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let output = uniqueTopic("out")
        try mock.cluster.createTopic(output, partitions: 1)
        let producer = try transactional(mock, id: "txn-endtxn")
        try await producer.initTransactions()
        try producer.beginTransaction()
        try await producer.send(ProducerRecord(topic: output, key: nil, value: bytes("x")))
        mock.cluster.failNextRequests(.endTxn, with: [.invalidTransactionState])
        let error = await #expect(throws: KafkaError.self) { try await producer.commitTransaction() }
        #expect(error?.classification == .fatal)
        #expect(error?.code == .invalidTransactionState)
        #expect(producer.fatalError != nil)
        await producer.close()
    }

    @Test(
        "a record the broker refuses inside a transaction makes the commit require an abort; the next transaction commits"
    )
    func abortableProduceError() async throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let output = uniqueTopic("out")
        try mock.cluster.createTopic(output, partitions: 1)
        let producer = try transactional(mock, id: "txn-abortable")
        try await producer.initTransactions()
        try producer.beginTransaction()
        mock.cluster.failNextRequests(.produce, with: [.messageTooLarge])
        try await producer.send(ProducerRecord(topic: output, key: nil, value: bytes("refused")))
        let error = await #expect(throws: KafkaError.self) { try await producer.commitTransaction() }
        #expect(error?.classification == .requiresAbort)
        try await producer.abortTransaction()
        // Abort-and-retry, as the bridge does. (librdkafka 2.0.2's mock may refuse the next
        // transaction once with OUT_OF_ORDER_SEQUENCE_NUMBER, also abortable.)
        var committed = false
        for _ in 0..<3 where !committed {
            try producer.beginTransaction()
            try await producer.send(ProducerRecord(topic: output, key: nil, value: bytes("accepted")))
            do {
                try await producer.commitTransaction()
                committed = true
            } catch {
                #expect(error.requiresAbort, "only abortable errors are expected here: \(error)")
                try await producer.abortTransaction()
            }
        }
        #expect(committed)
        #expect(producer.fatalError == nil)

        let reader = try mock.consumer(group: "g-abortable")
        try reader.subscribe([output])
        let records = await read(reader, count: 1)
        #expect(records.first.map { text($0.value) } == "accepted")
        #expect(!records.contains { text($0.value) == "refused" })
        await reader.close()
        await producer.close()
    }

    @Test("retriable errors on AddPartitionsToTxn are retried inside the transaction")
    func addPartitionsRetried() async throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let output = uniqueTopic("out")
        try mock.cluster.createTopic(output, partitions: 1)
        let producer = try transactional(mock, id: "txn-addparts")
        try await producer.initTransactions()
        mock.cluster.failNextRequests(.addPartitionsToTxn, with: [.concurrentTransactions, .coordinatorLoadInProgress])
        try producer.beginTransaction()
        try await producer.send(ProducerRecord(topic: output, key: nil, value: bytes("z")))
        try await producer.commitTransaction()

        let reader = try mock.consumer(group: "g-addparts")
        try reader.subscribe([output])
        let records = await read(reader, count: 1)
        #expect(records.map { text($0.value) } == ["z"])
        await reader.close()
        await producer.close()
    }
}
