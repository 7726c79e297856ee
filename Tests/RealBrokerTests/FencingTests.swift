import Avro
import Bridge
import Foundation
import Kafka
import Logging
import Metrics
import Payments
import TestSupport
import Testing

@Suite(
    "Bridge fencing on a real broker", .serialized,
    onCurrentLibrdkafkaOnly)
struct FencingTests {
    /// The newer instance here is a bare transactional producer: Tansu cannot rebalance a group
    /// while a second live member joins (checked with confluent-kafka's consumer too), so the
    /// takeover is shown as a restart, which is what a supervisor does with the stopped instance.
    @Test(
        "a newer instance with the same transactional id fences the old one, which stops; after a restart nothing is lost"
    )
    func fencedInstanceStops() async throws {
        let broker = try TansuBroker()
        let input = uniqueTopic("events")
        try broker.createTopic(input, partitions: 2)
        let schema = try AvroSchema(json: paymentResponseSchemaText())
        var configuration = BridgeService.Configuration(parser: PaymentEventParser(knownTenants: ["TENANT-001"]))
        configuration.inputTopic = input
        configuration.consumerGroup = uniqueTopic("group")
        configuration.transactionalID = uniqueTopic("txn")  // the same for both instances
        configuration.replicationFactor = 1
        configuration.partitions = [.partner: 2]
        // Tansu holds a JoinGroup for a long part of the rebalance timeout.
        configuration.sessionTimeout = .seconds(6)
        configuration.maxPollInterval = .seconds(10)
        let logger = quietLogger
        func bridge() throws -> BridgeService {
            try BridgeService(
                configuration: configuration, kafka: broker.kafka, schema: schema, registry: EmbeddedSchemaRegistry(),
                metricsFactory: NOOPMetricsHandler.instance, logger: logger)
        }
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: broker.kafka))
        func send(_ ids: ArraySlice<String>) async throws {
            for (index, id) in zip(ids.indices, ids) {
                try await producer.send(
                    ProducerRecord(
                        topic: input, key: Array("PAY-\(index % 10)".utf8),
                        value: internalEvent(paymentId: "PAY-\(index % 10)", eventId: id)))
            }
        }
        let ids = (0..<60).map { _ in UUID().uuidString.lowercased() }

        let old = try bridge()
        let oldRun = Task { try await old.run() }
        try await send(ids[..<20])
        try await waitUntil { old.committedRecordCount >= 20 }

        // A newer producer with the same transactional id: initTransactions fences the old one.
        var fencer = ProducerConfiguration(kafka: broker.kafka)
        fencer.transactionalID = configuration.transactionalID
        let newer = try TransactionalProducer(configuration: fencer)
        try await newer.initTransactions()
        await newer.close()
        try await send(ids[20...])
        // The old instance's next commit is refused as fenced: it stops with a fatal error.
        let outcome = await oldRun.result
        guard case .failure(let error) = outcome else {
            Issue.record("the fenced instance kept running")
            return
        }
        #expect((error as? KafkaError)?.isFatal == true, "\(error)")
        #expect(old.readiness.ready == false)
        #expect(old.readiness.reason?.contains("bridge") == true)

        // Restarted, the service resumes from the committed offsets and delivers everything.
        let restarted = try bridge()
        let restartedRun = Task { try await restarted.run() }
        var configurationForReader = ConsumerConfiguration(kafka: broker.kafka, groupID: uniqueTopic("reader"))
        configurationForReader.maxPollInterval = .seconds(10)
        let reader = try KafkaConsumer(configuration: configurationForReader)
        try reader.subscribe(["payments.responses.partner.TENANT-001"])
        var seen = Set<String>()
        let deadline = ContinuousClock.now + .seconds(60)
        while seen.count < ids.count, ContinuousClock.now < deadline {
            for record in await reader.poll(timeout: .milliseconds(200)) {
                if let id = record.headers.last(named: "eventId")?.stringValue { seen.insert(id) }
            }
        }
        let missing = ids.enumerated().filter { !seen.contains($0.element) }.map(\.offset)
        #expect(missing.isEmpty, "missing events \(missing)")
        restartedRun.cancel()
        _ = await restartedRun.result
        await reader.close()
        await producer.close()
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(condition())
    }
}
