import Foundation
import Kafka
import TestSupport
import Testing

@Suite(
    "Webhooks end to end on a real broker", .serialized,
    onCurrentLibrdkafkaOnly)
struct WebhookEndToEndTests {
    static let secret = "whsec_" + Data("end-to-end-partner-secret".utf8).base64EncodedString()

    @Test(
        "internal events reach a partner as webhooks verified by the standardwebhooks library; after kill -9 with retries pending, a restart delivers everything in order"
    )
    func webhooksSurviveAKill() async throws {
        let scene = try PartnerScene(secret: Self.secret, retrySchedule: "[1s, 2s]")
        let (broker, partner) = (scene.broker, scene.partner)
        var service = try await scene.startService()

        let lifecycles = lifecycleEvents(tenant: "PARTNER-ABC", payments: 3)
        let expected = lifecycles.expected
        var events = lifecycles.records
        events.append(
            ProducerRecord(
                topic: "payments.events", key: Array("KAFKA-ONLY".utf8),
                value: internalEvent(paymentId: "KAFKA-ONLY", tenantId: "TENANT-001")))
        try await produceAll(events, kafka: broker.kafka)

        // The partner is down: every payment's first record fails and is parked in the retry log.
        try await waitUntil("a failed attempt for every payment") {
            Set(partner.requests.filter { $0["status"] as? Int == 503 }.compactMap { $0["paymentId"] as? String }).count
                == 3
        }
        try await Task.sleep(for: .seconds(1))
        service.kill()
        let failedBeforeKill = partner.requests.count

        // The partner recovers; a new process picks the pending retries up from Kafka.
        try partner.recover()
        service = try await scene.startService(timeout: .seconds(90))
        try await waitUntil("every event delivered", timeout: .seconds(90)) {
            Set(partner.requests.filter { $0["status"] as? Int == 200 }.compactMap { $0["eventId"] as? String }).count
                == 15
        }
        let metrics = try await service.metrics()
        #expect(service.terminate() == 0)
        #expect(
            !leaksSecret(Self.secret, in: service.log + metrics), "the webhook secret appears in the logs or metrics")

        let all = partner.requests
        #expect(failedBeforeKill >= 3)
        #expect(all.allSatisfy { $0["verified"] as? Bool == true }, "standardwebhooks verified every request")
        #expect(all.allSatisfy { $0["simpleVerified"] as? Bool == true }, "X-Webhook-Signature matched every body")
        #expect(
            all.allSatisfy {
                $0["tenant"] as? String == "PARTNER-ABC" && $0["eventId"] as? String == $0["bodyEventId"] as? String
            })
        let delivered = all.filter { $0["status"] as? Int == 200 }
        for (paymentId, ids) in expected {
            var firstDeliveries: [String] = []
            for entry in delivered where entry["paymentId"] as? String == paymentId {
                let id = entry["eventId"] as! String
                if !firstDeliveries.contains(id) { firstDeliveries.append(id) }
            }
            #expect(firstDeliveries == ids, "order of \(paymentId)")
        }
        #expect(!all.contains { $0["paymentId"] as? String == "KAFKA-ONLY" }, "Kafka-delivery tenants get no webhooks")
    }

}
