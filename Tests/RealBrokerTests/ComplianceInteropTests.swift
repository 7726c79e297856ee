import AsyncHTTPClient
import Foundation
import Kafka
import TestSupport
import Testing

/// The compliance hold with the real binary on Tansu, read by code nobody here wrote.
@Suite("Compliance hold on a real broker", .serialized, onCurrentLibrdkafkaOnly)
struct ComplianceInteropTests {
    static let topic = "payments.responses.partner.TENANT-001"
    static let secret = "whsec_" + Data("compliance-partner-secret".utf8).base64EncodedString()

    /// A payment that is held for PEP review, released and completed.
    static func heldPayment(_ paymentId: String, tenant: String = "TENANT-001") -> [ProducerRecord] {
        let types: [(String, [String: (any Sendable)?])] = [
            ("PaymentInitiatedEvent", [:]),
            (
                "PaymentComplianceHoldEvent",
                ["subReason": "PEP_REVIEW", "requiredAction": "Source of wealth declaration"]
            ),
            ("PaymentComplianceReleasedEvent", ["status": "DEBITED"]),
            ("PaymentCompletedEvent", [:]),
        ]
        return types.map { type, changes in
            ProducerRecord(
                topic: "payments.events", key: Array(paymentId.utf8),
                value: internalEvent(paymentId: paymentId, tenantId: tenant, type: type, changes: changes))
        }
    }

    static func service(_ broker: TansuBroker, schemaVersion: Int, adminPort: Int) throws -> ServiceProcess {
        try ServiceProcess(
            config: """
                kafka: {bootstrapServers: "\(broker.bootstrapServers)"}
                admin: {listen: "127.0.0.1:\(adminPort)"}
                bridge:
                  schemaVersion: \(schemaVersion)
                  topics: {replicationFactor: 1}
                  transactions: {maxRecords: 100, maxInterval: 50ms}
                sink: {enabled: false}
                tenants:
                  - {id: TENANT-001, channel: partner, delivery: kafka}
                """, adminPort: adminPort)
    }

    /// A Tansu broker and the service on it writing `schemaVersion`, fed a held payment `paymentId`.
    func start(schemaVersion: Int, paymentId: String) async throws -> (TansuBroker, ServiceProcess, registry: String) {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        let adminPort = try freeLoopbackPort()
        let service = try Self.service(broker, schemaVersion: schemaVersion, adminPort: adminPort)
        try await service.waitForReady()
        try await produceAll(Self.heldPayment(paymentId), kafka: broker.kafka)
        return (broker, service, "http://127.0.0.1:\(adminPort)")
    }

    func readAsPartner(_ broker: TansuBroker, count: Int, registry: String, timeout: Int = 60) throws -> [[String: Any]]
    {
        try interopLines(
            "read_topics.py",
            [
                "--bootstrap", broker.bootstrapServers, "--topics", Self.topic, "--count", "\(count)",
                "--registry", registry, "--timeout", "\(timeout)",
            ])
    }

    @Test(
        "v2 records: AvroDeserializer reads them all; fastavro with v1 as reader schema reads the statuses v1 knows and refuses COMPLIANCE clearly"
    )
    func oldAndNewReaders() async throws {
        let (broker, service, registry) = try await start(schemaVersion: 2, paymentId: "PAY-H")

        let records = try readAsPartner(broker, count: 4, registry: registry)
        let values = records.compactMap { $0["value"] as? [String: Any] }
        #expect(
            values.map { $0["eventType"] as? String }
                == ["PAYMENT_INITIATED", "PAYMENT_COMPLIANCE_HOLD", "PAYMENT_COMPLIANCE_RELEASED", "PAYMENT_COMPLETED"])
        #expect(values.map { $0["status"] as? String } == ["INITIATED", "COMPLIANCE", "DEBITED", "COMPLETED"])
        #expect(values[1]["subReason"] as? String == "PEP_REVIEW")
        #expect(values[1]["requiredAction"] as? String == "Source of wealth declaration")
        #expect(values[0]["subReason"] is NSNull && values[2]["requiredAction"] is NSNull)

        let v1 = repositoryRoot.appendingPathComponent("schemas/history/PaymentResponse.v1.avsc").path
        let old = try interopLines(
            "read_with_old_schema.py",
            [
                "--bootstrap", broker.bootstrapServers, "--topic", Self.topic,
                "--count", "4", "--registry", registry, "--reader-schema", v1,
            ])
        #expect(old.count == 4)
        for (index, line) in old.enumerated() where index == 0 || index == 3 {
            let value = try #require(line["value"] as? [String: Any], "\(line)")
            #expect(value["eventType"] as? String == (index == 0 ? "PAYMENT_INITIATED" : "PAYMENT_COMPLETED"))
            #expect(value["paymentId"] as? String == "PAY-H" && value["amount"] as? Double == 100.5)
            #expect(value["subReason"] == nil, "v1 has no such field")
        }
        for (index, symbol) in [(1, "PAYMENT_COMPLIANCE_HOLD"), (2, "PAYMENT_COMPLIANCE_RELEASED")] {
            let error = try #require(old[index]["error"] as? String, "\(old[index])")
            #expect(error.contains("SchemaResolutionError") && error.contains(symbol), "\(error)")
        }

        // The embedded registry lists both versions under the subject.
        let versions = try await HTTPClient.shared.get(url: "\(registry)/subjects/\(Self.topic)-value/versions").get()
        #expect(versions.body.map { String(buffer: $0) } == "[1,2]")
        #expect(service.terminate() == 0)
    }

    @Test(
        "schemaVersion 1 dead-letters the hold and the release unsupported_by_schema; after switching to 2, dlt replay delivers them once"
    )
    func rolloutWithReplay() async throws {
        let (broker, onV1, registry) = try await start(schemaVersion: 1, paymentId: "PAY-R")
        var service = onV1

        let before = try readAsPartner(broker, count: 2, registry: registry)
        #expect(
            before.compactMap { ($0["value"] as? [String: Any])?["eventType"] as? String } == [
                "PAYMENT_INITIATED", "PAYMENT_COMPLETED",
            ])
        let listed = try dlt(["list", "--topic", "payments.events.DLT", "--json"], config: service.configPath)
        #expect(
            listed.lines.map { $0["reason"] as? String } == ["unsupported_by_schema", "unsupported_by_schema"],
            "\(listed.error)")
        #expect(service.terminate() == 0)

        service = try Self.service(broker, schemaVersion: 2, adminPort: service.adminPort)
        try await service.waitForReady()
        let replay = try dlt(
            ["replay", "--topic", "payments.events.DLT", "--reason", "unsupported_by_schema"],
            config: service.configPath)
        #expect(replay.status == 0 && replay.output.contains("replayed 2"), "\(replay.output) \(replay.error)")
        // Four records and no more: the two from v1, then the hold and the release, each once.
        let after = try readAsPartner(broker, count: 5, registry: registry, timeout: 20)
        let values = after.compactMap { $0["value"] as? [String: Any] }
        #expect(
            values.map { $0["eventType"] as? String }
                == ["PAYMENT_INITIATED", "PAYMENT_COMPLETED", "PAYMENT_COMPLIANCE_HOLD", "PAYMENT_COMPLIANCE_RELEASED"])
        #expect(
            values.count == 4 && values[2]["subReason"] as? String == "PEP_REVIEW"
                && values[3]["status"] as? String == "DEBITED")
        let again = try dlt(
            ["replay", "--topic", "payments.events.DLT", "--reason", "unsupported_by_schema"],
            config: service.configPath)
        #expect(again.output.contains("replayed 0"), "\(again.output)")
        #expect(service.terminate() == 0)
    }

    @Test("the webhook of a hold carries COMPLIANCE, subReason and requiredAction, verified with standardwebhooks")
    func holdWebhook() async throws {
        let scene = try PartnerScene(secret: Self.secret, retrySchedule: "[1s, 2s]")
        try scene.partner.recover()
        let service = try await scene.startService()
        try await produceAll(Self.heldPayment("PAY-W", tenant: "PARTNER-ABC"), kafka: scene.broker.kafka)
        try await waitUntil("the four events delivered", timeout: .seconds(60)) {
            scene.partner.requests.filter { $0["status"] as? Int == 200 }.count >= 4
        }
        #expect(service.terminate() == 0)
        let requests = scene.partner.requests
        #expect(requests.allSatisfy { $0["verified"] as? Bool == true && $0["simpleVerified"] as? Bool == true })
        let hold = try #require(requests.first { $0["eventType"] as? String == "PAYMENT_COMPLIANCE_HOLD" })
        #expect(hold["body.status"] as? String == "COMPLIANCE")
        #expect(hold["body.subReason"] as? String == "PEP_REVIEW")
        #expect(hold["body.requiredAction"] as? String == "Source of wealth declaration")
        let completed = try #require(requests.first { $0["eventType"] as? String == "PAYMENT_COMPLETED" })
        #expect(completed["body.subReason"] == nil, "no subReason key outside a hold")
    }
}
