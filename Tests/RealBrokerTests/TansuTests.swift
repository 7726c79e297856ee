import Avro
import Foundation
import Kafka
import TestSupport
import Testing

@Suite(
    "Real broker (Tansu) on current librdkafka", .serialized,
    onCurrentLibrdkafkaOnly)
struct TansuTests {
    func consumer(_ broker: TansuBroker, group: String) throws -> KafkaConsumer {
        var configuration = ConsumerConfiguration(kafka: broker.kafka, groupID: group)
        configuration.sessionTimeout = .seconds(6)
        // Tansu holds a JoinGroup for a long part of the rebalance timeout (max.poll.interval.ms).
        configuration.maxPollInterval = .seconds(10)
        return try KafkaConsumer(configuration: configuration)
    }

    @Test("records with headers go through a real broker")
    func produceConsume() async throws {
        let broker = try TansuBroker()
        let topic = uniqueTopic()
        try broker.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: broker.kafka))
        for index in 0..<20 {
            try await producer.send(
                ProducerRecord(
                    topic: topic, key: bytes("pay-\(index % 4)"), value: bytes("\(index)"),
                    headers: [KafkaHeader("eventId", "e\(index)")]))
        }
        let reader = try consumer(broker, group: "g-real-1")
        try reader.subscribe([topic])
        let records = await read(reader, count: 20)
        #expect(records.count == 20)
        #expect(records.allSatisfy { $0.headers.last(named: "eventId")?.stringValue == "e\(text($0.value)!)" })
        for key in 0..<4 {
            let order = records.filter { text($0.key) == "pay-\(key)" }.map { Int(text($0.value)!)! }
            #expect(order == order.sorted() && order.count == 5)
        }
        await reader.close()
        await producer.close()
    }

    @Test("a consumer group resumes after its committed offset when restarted")
    func groupResume() async throws {
        let broker = try TansuBroker()
        let topic = uniqueTopic()
        try broker.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: broker.kafka))
        for index in 0..<6 { try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("\(index)"))) }
        let first = try consumer(broker, group: "g-real-resume")
        try first.subscribe([topic])
        let head = await read(first, count: 6)
        try await first.commit([TopicPartitionOffset(topic: topic, partition: 0, offset: head[2].offset + 1)])
        await first.close()
        let second = try consumer(broker, group: "g-real-resume")
        try second.subscribe([topic])
        let rest = await read(second, count: 3)
        #expect(rest.map { text($0.value) } == ["3", "4", "5"])
        await second.close()
        await producer.close()
    }

    @Test("a committed transaction carries its records and the consumer offsets")
    func transactionWithOffsets() async throws {
        let broker = try TansuBroker()
        let input = uniqueTopic("in")
        let output = uniqueTopic("out")
        try broker.createTopic(input, partitions: 1)
        try broker.createTopic(output, partitions: 1)
        let plain = try KafkaProducer(configuration: ProducerConfiguration(kafka: broker.kafka))
        for index in 0..<4 { try await plain.send(ProducerRecord(topic: input, key: nil, value: bytes("\(index)"))) }

        let source = try consumer(broker, group: "g-real-txn")
        try source.subscribe([input])
        let records = await read(source, count: 4)
        #expect(records.count == 4)
        var configuration = ProducerConfiguration(kafka: broker.kafka)
        configuration.transactionalID = "real-txn-\(UUID().uuidString.prefix(6))"
        let producer = try TransactionalProducer(configuration: configuration)
        try await producer.initTransactions()
        try producer.beginTransaction()
        for record in records {
            try await producer.send(ProducerRecord(topic: output, key: nil, value: bytes("out-\(text(record.value)!)")))
        }
        let next = TopicPartitionOffset(topic: input, partition: 0, offset: records.last!.offset + 1)
        try await producer.sendOffsets([next], groupMetadata: try source.groupMetadata())
        try await producer.commitTransaction()

        let committed = try await source.committed([TopicPartition(topic: input, partition: 0)])
        #expect(committed.first?.offset == next.offset)
        let reader = try consumer(broker, group: "g-real-txn-reader")
        try reader.subscribe([output])
        let produced = await read(reader, count: 4)
        #expect(produced.map { text($0.value) } == ["out-0", "out-1", "out-2", "out-3"])
        await reader.close()
        await source.close()
        await producer.close()
        await plain.close()
    }

    @Test("topics are created through the admin API with their partitions")
    func createTopics() async throws {
        let broker = try TansuBroker()
        let admin = try KafkaAdmin(configuration: broker.kafka)
        let topic = uniqueTopic("created")
        let created = try await admin.createTopics([
            TopicSpecification(name: topic, partitions: 5, replicationFactor: 3, retention: .seconds(7 * 86_400))
        ])
        #expect(created == [topic])
        let metadata = try await admin.metadata()
        #expect(metadata.topics[topic] == 5)
        #expect(
            try await admin.createTopics([TopicSpecification(name: topic, partitions: 5, replicationFactor: 1)]).isEmpty
        )
    }

    @Test("confluent-kafka and fastavro decode the Avro records this code produced")
    func thirdPartyDecoder() async throws {
        let broker = try TansuBroker()
        let topic = "payments.responses.partner.TENANT-\(UUID().uuidString.prefix(4))"
        try broker.createTopic(topic, partitions: 1)
        let schemaPath = repositoryRoot.appendingPathComponent("schemas/PaymentResponse.avsc").path
        let schema = try AvroSchema(json: String(contentsOfFile: schemaPath, encoding: .utf8))
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: broker.kafka))
        let values = (0..<3).map(sampleResponse)
        for (index, value) in values.enumerated() {
            try await producer.send(
                ProducerRecord(
                    topic: topic, key: bytes("PAY-\(index)"),
                    value: try schema.encodeFramed(value, schemaID: schema.embeddedID),
                    headers: [KafkaHeader("eventId", "evt-\(index)")]))
        }
        await producer.close()

        let process = Process()
        process.executableURL = venv.appendingPathComponent("bin/python")
        process.arguments = [
            repositoryRoot.appendingPathComponent("Tests/interop/decode_responses.py").path,
            "--bootstrap", broker.bootstrapServers, "--topic", topic, "--schema", schemaPath,
            "--count", "3", "--expect-schema-id", "\(schema.embeddedID)",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.standardError
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 3)
        for (index, line) in lines.enumerated() {
            let value = line["value"] as! [String: Any]
            #expect(line["key"] as? String == "PAY-\(index)")
            #expect(value["eventId"] as? String == "evt-\(index)")
            #expect(value["eventType"] as? String == (index == 2 ? "PAYMENT_FAILED" : "PAYMENT_COMPLETED"))
            #expect(value["amount"] as? Double == 10.25 * Double(index + 1))
            #expect((value["clearingSystem"] as? String) == (index == 0 ? nil : "SEPA"))
            #expect((value["failureReason"] as? String) == (index == 2 ? "insufficient funds" : nil))
            // fastavro applies the logical type: the timestamp comes back as a UTC datetime.
            #expect(value["timestamp"] as? String == "2025-11-24T16:00:00.00\(index)+00:00")
            #expect((value["metadata"] as? [String: String]) == ["n": "\(index)"])
            #expect((line["headers"] as? [String: String])?["eventId"] == "evt-\(index)")
        }
    }
}

func sampleResponse(_ index: Int) -> AvroValue {
    let failed = index == 2
    let eventType: AvroValue = .enumSymbol(failed ? "PAYMENT_FAILED" : "PAYMENT_COMPLETED")
    let status: AvroValue = .enumSymbol(failed ? "FAILED" : "COMPLETED")
    let clearing: AvroValue = index == 0 ? .null : .string("SEPA")
    let reason: AvroValue = failed ? .string("insufficient funds") : .null
    let amount: AvroValue = .double(10.25 * Double(index + 1))
    let metadata: AvroValue = .map(["n": .string(String(index))])
    var fields: [AvroRecordField] = []
    fields.append(AvroRecordField("eventId", .string("evt-\(index)")))
    fields.append(AvroRecordField("eventType", eventType))
    fields.append(AvroRecordField("paymentId", .string("PAY-\(index)")))
    fields.append(AvroRecordField("tenantId", .string("TENANT-001")))
    fields.append(AvroRecordField("customerId", .string("CUST-1")))
    fields.append(AvroRecordField("status", status))
    fields.append(AvroRecordField("amount", amount))
    fields.append(AvroRecordField("currency", .string("EUR")))
    fields.append(AvroRecordField("debtorAccount", .string("DE01")))
    fields.append(AvroRecordField("creditorAccount", .string("FR02")))
    fields.append(AvroRecordField("clearingSystem", clearing))
    fields.append(AvroRecordField("clearingReference", .null))
    fields.append(AvroRecordField("failureReason", reason))
    fields.append(AvroRecordField("failureCode", .null))
    fields.append(AvroRecordField("timestamp", .long(1_764_000_000_000 + Int64(index))))
    fields.append(AvroRecordField("correlationId", .string("corr-\(index)")))
    fields.append(AvroRecordField("idempotencyKey", .string("idem-\(index)")))
    fields.append(AvroRecordField("metadata", metadata))
    fields.append(AvroRecordField("subReason", .null))
    fields.append(AvroRecordField("requiredAction", .null))
    return .record(fields)
}
