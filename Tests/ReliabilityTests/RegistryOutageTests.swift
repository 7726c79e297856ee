import Avro
import Foundation
import Kafka
import TestSupport
import Testing

/// A configured Schema Registry that stops answering. The registry here is a stand-in that
/// follows Confluent's REST protocol (no real registry can run on these machines).
@Suite("Reliability: schema registry down", .serialized)
struct ReliabilityRegistryTests {
    static let secret = "whsec_" + Data("registry-outage-partner-secret".utf8).base64EncodedString()

    static func yaml(registry: String, partner: WebhookReceiver, bridge: Bool, sinkGroup: String) -> String {
        """
        schemaRegistry: {url: "\(registry.replacingOccurrences(of: "http://", with: "http://bridge:registry-password-do-not-log@"))"}
        bridge:
          enabled: \(bridge)
          topics: {replicationFactor: 1, partitions: {partner: 2}}
          transactions: {maxRecords: 100, maxInterval: 25ms}
        sink: {consumerGroup: \(sinkGroup)}
        tenants:
          - {id: TENANT-001, channel: partner, delivery: kafka}
        \(webhookTenantYAML("PARTNER-ABC", url: partner.url, secret: secret))
        """
    }

    @Test(
        "registry down: the bridge and the sink pause and say why, and resume when it answers; nothing skipped, dead-lettered or mis-framed"
    )
    func registryDown() async throws {
        let mock = try MockKafka(brokers: 1)
        try mock.createTopics(["payments.events"], partitions: 2)
        let cluster = mock.cluster
        let kafka = mock.kafka
        let registry = FakeConfluentRegistry()
        registry.down.store(true, ordering: .relaxed)
        let partner = WebhookReceiver()
        let topics = ["payments.responses.partner.TENANT-001", "payments.responses.partner.PARTNER-ABC"]
        let deadLetterTopics = ["payments.events.DLT", "payments.responses.partner.PARTNER-ABC.DLT"]

        try await registry.serve { url in
            try await partner.serve {
                // The bridge: events arrive while the registry is down.
                let service = try RunningService(
                    cluster: cluster,
                    yaml: Self.yaml(
                        registry: url, partner: partner, bridge: true,
                        sinkGroup: "sink-a"))
                try await service.waitUntilReady()
                let kafkaPartner = lifecycleEvents(tenant: "TENANT-001", payments: 10)
                let webhookPartner = lifecycleEvents(tenant: "PARTNER-ABC", payments: 10)
                let expected = kafkaPartner.expected.merging(webhookPartner.expected) { $1 }
                let events = kafkaPartner.records + webhookPartner.records
                try await produceAll(events, kafka: kafka)
                let notReadyAfter = try await waitUntil("the service reports not ready", timeout: .seconds(30)) {
                    await !service.readiness().isReady
                }
                let reasons = await service.readiness().reasons
                #expect(
                    reasons.contains { $0.contains("schema registry") }, "the reason names the registry: \(reasons)")
                #expect(!reasons.joined().contains("do-not-log"), "the registry's password stays out of the reasons")
                try await Task.sleep(for: .seconds(3))
                let early = try await readTopics(topics + deadLetterTopics, kafka: kafka, timeout: .seconds(2)) { _ in
                    false
                }
                #expect(early.isEmpty, "nothing is produced, framed or dead-lettered without a registered id")
                #expect(registry.requests.load(ordering: .relaxed) > 0)

                registry.down.store(false, ordering: .relaxed)
                let upAt = ContinuousClock.now
                let records = try await readTopics(topics, kafka: kafka, timeout: .seconds(60)) {
                    $0.count >= events.count
                }
                let resumedAfter = ContinuousClock.now - upAt
                try await waitUntil("every webhook delivered", timeout: .seconds(60)) {
                    Set(partner.requests.compactMap(\.eventId)).count >= 50
                }
                try await service.waitUntilReady(timeout: .seconds(30))
                await service.stop()

                let audit = DeliveryAudit(expected: expected, records: records)
                #expect(audit.holds, "\(audit.summary)")
                let client = SchemaRegistryClient(configuration: .init(url: url))
                for topic in topics {
                    let registered = try await client.latest(subject: "\(topic)-value").id
                    #expect(
                        records.filter { $0.topic == topic }.allSatisfy {
                            (try? ConfluentWireFormat.parse($0.value ?? []).schemaID) == registered
                        },
                        "every record of \(topic) is framed with the id the registry gave")
                }
                let webhooks = DeliveryAudit(expected: webhookPartner.expected, webhooks: partner.requests)
                #expect(webhooks.holds, "\(webhooks.summary)")
                figure(
                    "registry down (bridge): not ready after \(seconds(notReadyAfter)) (\(reasons.joined(separator: "; "))); "
                        + "0 records framed while down; all \(records.count) produced \(seconds(resumedAfter)) after it answered; \(audit.summary)"
                )

                // The sink alone, with an empty schema cache, while the registry is down again.
                registry.down.store(true, ordering: .relaxed)
                let secondPartner = WebhookReceiver()
                try await secondPartner.serve {
                    let sink = try RunningService(
                        cluster: cluster,
                        yaml: Self.yaml(
                            registry: url, partner: secondPartner, bridge: false,
                            sinkGroup: "sink-b"))
                    let sinkReasons = try await waitUntil(
                        "the sink says it waits for the registry", timeout: .seconds(30)
                    ) {
                        await sink.readiness().reasons.contains { $0.contains("schema registry") }
                    }
                    try await Task.sleep(for: .seconds(3))
                    #expect(secondPartner.requests.isEmpty, "nothing is sent while the records cannot be decoded")
                    registry.down.store(false, ordering: .relaxed)
                    let upAgain = ContinuousClock.now
                    try await waitUntil("the sink delivers after the registry answers", timeout: .seconds(60)) {
                        Set(secondPartner.requests.compactMap(\.eventId)).count >= 50
                    }
                    let deliveredAfter = ContinuousClock.now - upAgain
                    try await sink.waitUntilReady(timeout: .seconds(30))
                    await sink.stop()
                    let replay = DeliveryAudit(expected: webhookPartner.expected, webhooks: secondPartner.requests)
                    #expect(replay.holds, "\(replay.summary)")
                    figure(
                        "registry down (sink, cold cache): waiting reported after \(seconds(sinkReasons)); 0 requests while down; "
                            + "all 50 delivered \(seconds(deliveredAfter)) after it answered; \(replay.summary)")
                }
                let deadLetters = try await readTopics(deadLetterTopics, kafka: kafka, timeout: .seconds(2)) { _ in
                    false
                }
                #expect(deadLetters.isEmpty, "an unreachable registry dead-letters nothing")
            }
        }
    }
}
