import Foundation
import Kafka
import TestSupport
import Testing

/// `kill -9` of the real service binary mid-stream on a real broker, with the bridge producing
/// and the sink holding webhook retries for a partner that is down.
@Suite(
    "Reliability: crashes on a real broker", .serialized,
    onCurrentLibrdkafkaOnly)
struct ReliabilityCrashTests {
    static let secret = "whsec_" + Data("crash-test-partner-secret".utf8).base64EncodedString()

    @Test(
        "kill -9 mid-stream (bridge and sink, webhook retries pending): after a restart nothing is lost, copies are identical, order holds on topics and webhooks"
    )
    func killMidStream() async throws {
        let scene = try PartnerScene(secret: Self.secret, retrySchedule: "[1s, 2s, 4s]")
        let (broker, partner) = (scene.broker, scene.partner)
        var service = try await scene.startService()

        let feeder = try EventFeeder(kafka: broker.kafka, tenants: ["TENANT-001", "PARTNER-ABC"])
        let feeding = Task { try await feeder.run(perSecond: 200) }
        try await waitUntil("webhook retries pending") {
            Set(partner.requests.filter { $0["status"] as? Int == 503 }.compactMap { $0["paymentId"] as? String }).count
                >= 10
        }
        try await Task.sleep(for: .seconds(1))
        let sentBeforeKill = feeder.count
        service.kill()
        let failedBeforeKill = partner.requests.count

        try await Task.sleep(for: .seconds(2))  // events keep arriving while the service is down
        service = try await scene.startService(timeout: .seconds(90))
        try await Task.sleep(for: .seconds(2))
        try partner.recover()
        try await Task.sleep(for: .seconds(2))
        feeder.stop()
        try await feeding.value
        #expect(feeder.failures == 0)

        let expected = feeder.expected
        let webhookExpected = expected.filter { $0.key.hasPrefix("PARTNER-ABC") }
        let webhookCount = webhookExpected.values.map(\.count).reduce(0, +)
        try await waitUntil("every webhook delivered", timeout: .seconds(120)) {
            Set(partner.requests.filter { $0["status"] as? Int == 200 }.compactMap { $0["eventId"] as? String }).count
                >= webhookCount
        }
        let wanted = Set(expected.values.joined())
        let records = try await readTopics(
            ["payments.responses.partner.TENANT-001", "payments.responses.partner.PARTNER-ABC"],
            kafka: broker.kafka, timeout: .seconds(120)
        ) { records in
            records.count >= wanted.count
                && wanted.isSubset(of: Set(records.compactMap { $0.headers.last(named: "eventId")?.stringValue }))
        }
        let log = service.log
        #expect(service.terminate() == 0)

        let topics = DeliveryAudit(expected: expected, records: records)
        #expect(topics.holds, "\(topics.summary)")
        let delivered = partner.requests.filter { $0["status"] as? Int == 200 }
        let webhooks = DeliveryAudit(
            expected: webhookExpected,
            received: delivered.map {
                .init(
                    paymentId: $0["paymentId"] as? String ?? "", eventId: $0["eventId"] as? String ?? "",
                    content: Array(($0["bodySha256"] as? String ?? "").utf8))
            })
        #expect(webhooks.holds, "\(webhooks.summary)")
        #expect(
            partner.requests.allSatisfy { $0["verified"] as? Bool == true }, "standardwebhooks verified every request")
        #expect(failedBeforeKill > 0)
        #expect(!leaksSecret(Self.secret, in: log))
        figure(
            "kill -9 of bridge and sink after \(sentBeforeKill) of \(expected.values.map(\.count).reduce(0, +)) events, "
                + "webhook retries pending: topics \(topics.summary); webhooks \(webhooks.summary)")
    }
}
