import AsyncHTTPClient
import Foundation
import Kafka
import TestSupport
import Testing

@Suite(
    "Bridge end to end on a real broker", .serialized,
    onCurrentLibrdkafkaOnly)
struct BridgeEndToEndTests {
    @Test(
        "internal events become records a partner's AvroDeserializer reads, in order, with DLT records for bad ones; offsets are committed"
    )
    func partnerReadsRecords() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        let adminPort = try freeLoopbackPort()
        let service = try ServiceProcess(
            config: """
                kafka: {bootstrapServers: "\(broker.bootstrapServers)"}
                admin: {listen: "127.0.0.1:\(adminPort)"}
                bridge:
                  topics: {replicationFactor: 1}
                  transactions: {maxRecords: 100, maxInterval: 50ms}
                sink: {enabled: false}
                tenants:
                  - {id: TENANT-001, channel: partner, delivery: kafka}
                  - {id: TENANT-002, channel: web, delivery: kafka}
                """, adminPort: adminPort)
        try await service.waitForReady()

        // 4 payments × the lifecycle, plus records the bridge must dead-letter.
        var expected: [String: [String]] = [:]
        var events: [(key: String, value: [UInt8])] = []
        for (tenant, channel) in [("TENANT-001", "PARTNER"), ("TENANT-002", "WEB")] {
            for p in 0..<2 {
                let paymentId = "\(tenant)-P\(p)"
                for type in paymentLifecycle {
                    let id = UUID().uuidString.lowercased()
                    expected[paymentId, default: []].append(id)
                    events.append(
                        (
                            paymentId,
                            internalEvent(
                                paymentId: paymentId, tenantId: tenant, type: type, eventId: id,
                                channel: channel, changes: ["metadata": ["step": type]])
                        ))
                }
            }
        }
        let bad: [String: String] = ["BAD-JSON": "invalid_event", "BAD-TENANT": "unknown_tenant"]
        events.append(("BAD-JSON", Array("{\"eventId\": ".utf8)))
        events.append(("BAD-TENANT", internalEvent(paymentId: "BAD-TENANT", tenantId: "NOBODY")))
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: broker.kafka))
        for event in events {
            try await producer.send(
                ProducerRecord(topic: "payments.events", key: Array(event.key.utf8), value: event.value))
        }
        await producer.close()

        let responses = try readAsPartner(
            broker, topics: ["payments.responses.partner.TENANT-001", "payments.responses.web.TENANT-002"],
            count: 20, registry: "http://127.0.0.1:\(adminPort)")
        #expect(responses.count == 20)
        for (paymentId, ids) in expected {
            let mine = responses.filter { $0["key"] as? String == paymentId }
            #expect(
                mine.compactMap { ($0["value"] as? [String: Any])?["eventId"] as? String } == ids,
                "order of \(paymentId)")
            #expect(Set(mine.compactMap { $0["partition"] as? Int }).count == 1, "one partition per payment")
        }
        for record in responses {
            let value = try #require(record["value"] as? [String: Any])
            let headers = Dictionary(
                (record["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
            let paymentId = record["key"] as? String ?? ""
            let tenant = paymentId.hasPrefix("TENANT-001") ? "TENANT-001" : "TENANT-002"
            #expect(
                record["topic"] as? String
                    == (tenant == "TENANT-001"
                        ? "payments.responses.partner.TENANT-001"
                        : "payments.responses.web.TENANT-002"))
            #expect(value["paymentId"] as? String == paymentId)
            #expect(value["tenantId"] as? String == tenant)
            #expect(value["customerId"] as? String == "CUST-9")
            #expect(value["amount"] as? Double == 100.5)
            #expect(value["currency"] as? String == "EUR")
            #expect(value["debtorAccount"] as? String == "DE89370400440532013000")
            #expect(value["creditorAccount"] as? String == "FR1420041010050500013M02606")
            #expect(value["clearingSystem"] is NSNull && value["failureReason"] is NSNull)
            #expect(value["timestamp"] as? String == "2025-11-24T16:00:00.123+00:00")
            #expect(value["correlationId"] as? String == "corr-\(paymentId)")
            #expect(value["idempotencyKey"] as? String == "idem-\(paymentId)")
            let step = (value["metadata"] as? [String: String])?["step"]
            let types = [
                "PaymentInitiatedEvent": ("PAYMENT_INITIATED", "INITIATED"),
                "PaymentValidatedEvent": ("PAYMENT_VALIDATED", "VALIDATED"),
                "FundsDebitedEvent": ("PAYMENT_DEBITED", "DEBITED"),
                "ClearingSubmittedEvent": ("PAYMENT_SUBMITTED_TO_CLEARING", "SUBMITTED_TO_CLEARING"),
                "PaymentCompletedEvent": ("PAYMENT_COMPLETED", "COMPLETED"),
            ]
            let mapping = try #require(step.flatMap { types[$0] })
            #expect(value["eventType"] as? String == mapping.0)
            #expect(value["status"] as? String == mapping.1)
            #expect(headers["eventType"] == mapping.0)
            #expect(headers["eventId"] == value["eventId"] as? String)
            #expect(headers["tenantId"] == tenant)
            #expect(headers["correlationId"] == "corr-\(paymentId)")
        }

        let deadLetters = try readAsPartner(broker, topics: ["payments.events.DLT"], count: 2, registry: nil)
        #expect(deadLetters.count == 2)
        for record in deadLetters {
            let key = try #require(record["key"] as? String)
            let headers = Dictionary(
                (record["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
            #expect(headers["dlt.reason"] == bad[key])
            #expect(headers["dlt.original.topic"] == "payments.events")
            let original = try #require(events.first { $0.key == key })
            #expect(Data(base64Encoded: record["value"] as? String ?? "").map(Array.init) == original.value)
        }

        // SIGTERM: a clean stop, then the group's committed offsets cover every input record.
        #expect(service.terminate() == 0)
        var configuration = ConsumerConfiguration(kafka: broker.kafka, groupID: "payments-bridge")
        configuration.maxPollInterval = .seconds(10)
        let probe = try KafkaConsumer(configuration: configuration)
        let partitions = (0..<3).map { TopicPartition(topic: "payments.events", partition: Int32($0)) }
        let committed = try await probe.committed(partitions)
        var total: Int64 = 0
        for partition in partitions {
            let high = try await probe.watermarks(partition).high
            #expect(committed.first { $0.partition == partition.partition }?.offset == high, "\(partition)")
            total += high
        }
        #expect(total == Int64(events.count))
        #expect(service.log.contains("bridge stopped cleanly"))
    }

    private func readAsPartner(_ broker: TansuBroker, topics: [String], count: Int, registry: String?) throws
        -> [[String: Any]]
    {
        try interopLines(
            "read_topics.py",
            [
                "--bootstrap", broker.bootstrapServers, "--topics", topics.joined(separator: ","),
                "--count", "\(count)",
            ] + (registry.map { ["--registry", $0] } ?? []))
    }
}
