import Avro
import Bridge
import DeadLetters
import Foundation
import Kafka
import Payments
import Prometheus
import TestSupport
import Testing

/// `bridge.schemaVersion`: on 1 the bridge writes v1 and holds the compliance hold back in the DLT.
@Suite("Bridge: schema version rollout", .serialized)
struct SchemaVersionTests {
    static let v1Text = try! String(
        contentsOf: repositoryRoot.appendingPathComponent("schemas/history/PaymentResponse.v1.avsc"),
        encoding: .utf8)

    @Test(
        "on v1, holds and releases are dead-lettered unsupported_by_schema and the rest flows as v1; on v2 they are delivered"
    )
    func v1HoldsComplianceBack() async throws {
        let harness = try BridgeHarness()
        let v1 = try AvroSchema(json: Self.v1Text)
        try harness.registry.setHistory([v1])
        let hold = internalEvent(
            paymentId: "PAY-H", type: "PaymentComplianceHoldEvent",
            changes: ["subReason": "PEP_REVIEW", "requiredAction": "Proof of source of funds"])
        let release = internalEvent(
            paymentId: "PAY-H", type: "PaymentComplianceReleasedEvent", changes: ["status": "DEBITED"])
        let events: [(key: String, value: [UInt8])] = [
            ("PAY-H", internalEvent(paymentId: "PAY-H", type: "PaymentInitiatedEvent")), ("PAY-H", hold),
            ("PAY-H", release),
            ("PAY-H", internalEvent(paymentId: "PAY-H", type: "PaymentCompletedEvent")),
        ]
        try await harness.send(events)
        let topic = "payments.responses.partner.TENANT-001"
        let dlt = "\(harness.inputTopic).DLT"

        let onV1 = try BridgeService(
            configuration: harness.configuration(), kafka: harness.kafka, schema: v1,
            registry: harness.registry, metricsFactory: PrometheusMetricsFactory(registry: harness.metrics),
            logger: quietLogger)
        let (responses, deadLetters) = try await withBridge(onV1) {
            (try await harness.read([topic], count: 2), try await harness.read([dlt], count: 2))
        }
        #expect(
            responses.map { $0.headers.last(named: "eventType")?.stringValue } == [
                "PAYMENT_INITIATED", "PAYMENT_COMPLETED",
            ])
        for record in responses {
            let (id, _) = try ConfluentWireFormat.parse(record.value ?? [])
            #expect(id == v1.embeddedID, "written with v1")
        }
        #expect(deadLetters.map(\.value) == [hold, release], "kept byte for byte, in order")
        for record in deadLetters {
            #expect(record.headers.last(named: DeadLetterHeader.reason)?.stringValue == "unsupported_by_schema")
            #expect(record.headers.last(named: DeadLetterHeader.error)?.stringValue?.contains("schema v1") == true)
        }
        #expect(harness.registry.versions(of: "\(topic)-value") == [1])
        #expect(
            harness.metricsText().contains(
                #"payments_bridge_dead_letters_total{source="\#(harness.inputTopic)",reason="unsupported_by_schema"} 2"#
            ))

        // After switching to v2 (another group, so the whole input is read again): the hold and
        // the release are delivered, and the subject lists both versions.
        let v2 = harness.schema
        try harness.registry.setHistory([v1, v2])
        var configuration = harness.configuration()
        configuration.consumerGroup = uniqueTopic("bridge-v2")
        let onV2 = try BridgeService(
            configuration: configuration, kafka: harness.kafka, schema: v2, registry: harness.registry,
            metricsFactory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()),
            logger: quietLogger)
        let all = try await withBridge(onV2) { try await harness.read([topic], count: 6) }
        let written = Array(all.dropFirst(2))
        #expect(
            written.map { $0.headers.last(named: "eventType")?.stringValue }
                == ["PAYMENT_INITIATED", "PAYMENT_COMPLIANCE_HOLD", "PAYMENT_COMPLIANCE_RELEASED", "PAYMENT_COMPLETED"])
        let held = try await harness.decode(written[1])
        #expect(held[field: "status"]?.symbol == "COMPLIANCE")
        #expect(held[field: "subReason"]?.string == "PEP_REVIEW")
        #expect(held[field: "requiredAction"]?.string == "Proof of source of funds")
        let released = try await harness.decode(written[2])
        #expect(released[field: "status"]?.symbol == "DEBITED" && released[field: "subReason"] == .null)
        #expect(harness.registry.versions(of: "\(topic)-value") == [1, 2])
        #expect(harness.registry.version(nil, of: "\(topic)-value")?.id == v2.embeddedID)
    }
}
