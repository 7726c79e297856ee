import DeadLetters
import Foundation
import Kafka
import Synchronization
import TestSupport
import Testing
import Webhooks
import WebhooksTesting

/// Partners whose endpoints go down, on a clock that runs 5 000 times faster (a day in about
/// seventeen seconds), next to a healthy partner whose latency is measured before and during.
@Suite("Reliability: partner outage", .serialized)
struct ReliabilityPartnerOutageTests {
    static let secret = "whsec_" + Data("partner-outage-secret".utf8).base64EncodedString()
    static let factor = 5_000.0

    static func tenant(_ id: String, _ receiver: WebhookReceiver) -> String {
        webhookTenantYAML(id, url: receiver.url, secret: secret, settings: "maxInFlight: 16, ratePerSecond: 1000")
    }

    @Test(
        "down for the whole retry window: dead-lettered retries_exhausted at the end of the schedule; down for half of it: everything delivered in order; a healthy partner is not slowed down"
    )
    func partnerOutage() async throws {
        let mock = try MockKafka(brokers: 1)
        try mock.createTopics(["payments.events"], partitions: 4)
        let cluster = mock.cluster
        let clock = AcceleratedSinkClock(factor: Self.factor)
        // Down: every connection is hung up on without an answer. Late: answers 503 until it
        // recovers (an endpoint that answers is never held back as a whole).
        let down = try await HangUpEndpoint()
        defer { Task { await down.close() } }
        let downURL = down.url
        let late = WebhookReceiver { _, _ in .status(503) }
        let healthy = WebhookReceiver()
        try await serving([late, healthy]) {
            let service = try RunningService(
                cluster: cluster,
                yaml: """
                    bridge:
                      topics: {replicationFactor: 1}
                      transactions: {maxRecords: 500, maxInterval: 25ms}
                    sink:
                      retry: {schedule: [5s, 30s, 2m, 10m, 30m, 1h, 2h, 4h, 8h, 8h], minimumWindow: 24h, jitter: 0.1}
                    tenants:
                    \(webhookTenantYAML("PARTNER-DOWN", url: downURL, secret: Self.secret, settings: "maxInFlight: 16, ratePerSecond: 1000"))
                    \(Self.tenant("PARTNER-LATE", late))
                    \(Self.tenant("PARTNER-OK", healthy))
                    """, sinkClock: clock)
            try await service.waitUntilReady()
            let producer = try KafkaProducer(
                configuration: ProducerConfiguration(kafka: service.kafka), logger: quietLogger)
            let sentAt = Mutex<[String: ContinuousClock.Instant]>([:])
            var healthyExpected: [String: [String]] = [:]

            /// Sends the healthy partner's lifecycles at 50 events/s for `duration`.
            func feedHealthy(_ label: String, for duration: Duration) async throws {
                let end = ContinuousClock.now + duration
                var p = 0
                while ContinuousClock.now < end {
                    let paymentId = "OK-\(label)-\(p)"
                    for type in paymentLifecycle {
                        let id = UUID().uuidString.lowercased()
                        healthyExpected[paymentId, default: []].append(id)
                        sentAt.withLock { $0[id] = .now }
                        try await producer.send(
                            ProducerRecord(
                                topic: "payments.events", key: Array(paymentId.utf8),
                                value: internalEvent(
                                    paymentId: paymentId, tenantId: "PARTNER-OK", type: type, eventId: id)))
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    p += 1
                }
            }
            func latencies(_ label: String) -> [Double] {
                let sent = sentAt.withLock { $0 }
                return healthy.requests.filter { $0.paymentId?.hasPrefix("OK-\(label)-") == true }.compactMap {
                    request in
                    request.eventId.flatMap { sent[$0] }.map { milliseconds(request.arrival - $0) }
                }
            }

            // The outage: 30 payments for a partner that stays down, 10 lifecycles for one that
            // recovers. One event of each goes first, so that every topic exists before measuring.
            var downIds: [String] = []
            var lateExpected: [String: [String]] = [:]
            var outageEvents: [ProducerRecord] = []
            let warmUp = ["DOWN-0": "PARTNER-DOWN", "LATE-W": "PARTNER-LATE", "OK-warm": "PARTNER-OK"].map {
                paymentId, tenant in
                let id = UUID().uuidString.lowercased()
                if tenant == "PARTNER-DOWN" { downIds.append(id) }
                if tenant == "PARTNER-LATE" { lateExpected[paymentId] = [id] }
                return ProducerRecord(
                    topic: "payments.events", key: Array(paymentId.utf8),
                    value: internalEvent(paymentId: paymentId, tenantId: tenant, eventId: id))
            }
            try await produceAll(warmUp, kafka: service.kafka)
            try await waitUntil("the healthy partner's first webhook") { !healthy.requests.isEmpty }
            // Watches the dead partner's DLT from now on, noting when (on the sink's clock) each record appears.
            let deadLetterTopic = "payments.responses.partner.PARTNER-DOWN.DLT"
            let admin = try KafkaAdmin(configuration: service.kafka, logger: quietLogger)
            let partitions = try await admin.metadata().topics[deadLetterTopic] ?? 0
            #expect(partitions > 0)
            let watcher = try KafkaConsumer(
                configuration: ConsumerConfiguration(kafka: service.kafka, groupID: uniqueTopic("watch")),
                logger: quietLogger)
            try watcher.assign(
                (0..<Int32(partitions)).map {
                    TopicPartitionOffset(topic: deadLetterTopic, partition: $0, offset: KafkaOffset.beginning)
                })
            let watching = Task { () -> [(ConsumerRecord, Int64)] in
                var seen: [(ConsumerRecord, Int64)] = []
                while seen.count < 30, !Task.isCancelled {
                    for record in await watcher.poll(timeout: .milliseconds(50)) { seen.append((record, clock.now())) }
                }
                return seen
            }
            try await feedHealthy("before", for: .seconds(3))

            for p in 1..<30 {
                let id = UUID().uuidString.lowercased()
                downIds.append(id)
                outageEvents.append(
                    ProducerRecord(
                        topic: "payments.events", key: Array("DOWN-\(p)".utf8),
                        value: internalEvent(paymentId: "DOWN-\(p)", tenantId: "PARTNER-DOWN", eventId: id)))
            }
            for p in 0..<10 {
                for type in paymentLifecycle {
                    let id = UUID().uuidString.lowercased()
                    lateExpected["LATE-\(p)", default: []].append(id)
                    outageEvents.append(
                        ProducerRecord(
                            topic: "payments.events", key: Array("LATE-\(p)".utf8),
                            value: internalEvent(
                                paymentId: "LATE-\(p)", tenantId: "PARTNER-LATE", type: type, eventId: id)))
                }
            }
            try await produceAll(outageEvents, kafka: service.kafka)
            let outageStart = clock.now()
            try await feedHealthy("during", for: .seconds(8))
            let accepted = Mutex<[WebhookReceiver.Request]>([])
            late.setScript { request, _ in  // about 11 hours into the outage
                accepted.withLock { $0.append(request) }
                return .ok
            }
            let recoveredAt = clock.now()
            try await feedHealthy("after", for: .seconds(1))
            await producer.close()

            let timeout = Task {
                try await Task.sleep(for: .seconds(90))
                watching.cancel()
            }
            let deadLetters = await watching.value
            timeout.cancel()
            await watcher.close()
            let windowEnd = clock.now()
            try await waitUntil("the recovered partner has everything", timeout: .seconds(60)) {
                Set(accepted.withLock { $0 }.compactMap(\.eventId)).count >= 51
            }
            try await waitUntil("the healthy partner has everything", timeout: .seconds(30)) {
                Set(healthy.requests.compactMap(\.eventId)).count >= healthyExpected.values.map(\.count).reduce(0, +)
            }
            await service.stop()

            // Down for the whole window: every record dead-lettered at the end of the schedule.
            let entries = deadLetters.map { DeadLetterEntry($0.0) }
            #expect(Set(entries.compactMap { $0.record.headers.last(named: "eventId")?.stringValue }) == Set(downIds))
            #expect(entries.allSatisfy { $0.reason == "retries_exhausted" && $0.httpStatus == nil })
            let spans = zip(entries, deadLetters.map(\.1)).compactMap { entry, at -> Double? in
                entry.firstAttempt.map { (Double(at) / 1000 - $0.timeIntervalSince1970) / 3600 }
            }
            // Each record gives up once its window is over (24 h: the schedule adds up to 23 h 42 m)
            // at its next due time: at most one last delay (8 h, plus 10 % jitter) later. Plus
            // overhead: a real second is 1.4 hours here.
            #expect(
                spans.count == 30 && spans.allSatisfy { $0 >= 23.7 && $0 <= 36 },
                "retried for the whole window, no longer: \(spans.sorted()) h")
            let attempts = entries.compactMap(\.attempts)
            #expect(attempts.count == 30 && attempts.allSatisfy { $0 >= 1 })
            let sent = down.connections
            #expect(sent < 30 * 11, "the circuit breaker spared the dead endpoint some of the scheduled requests")

            // Down for the first ~11 hours: everything delivered after recovery, in order.
            let lateAudit = DeliveryAudit(expected: lateExpected, webhooks: accepted.withLock { $0 })
            #expect(lateAudit.holds, "\(lateAudit.summary)")

            // The healthy partner, unaffected.
            let healthyAudit = DeliveryAudit(expected: healthyExpected, webhooks: healthy.requests)
            #expect(healthyAudit.holds, "\(healthyAudit.summary)")
            let before = latencies("before")
            let during = latencies("during")
            let p99Before = quantile(before, 0.99)
            let p99During = quantile(during, 0.99)
            #expect(p99During < max(500, 3 * p99Before), "the healthy partner's p99 stays low during the outage")
            figure(
                "partner down for the whole window (\(String(format: "%.1f", Double(windowEnd - outageStart) / 3_600_000)) h on the accelerated clock): "
                    + "30/30 dead-lettered retries_exhausted \(String(format: "%.1f–%.1f", spans.min() ?? 0, spans.max() ?? 0)) h after their first attempt; "
                    + "\(sent) requests reached the dead endpoint (\(30 * 11) scheduled; the circuit breaker held back the rest)"
            )
            figure(
                "partner down for \(String(format: "%.1f", Double(recoveredAt - outageStart) / 3_600_000)) h then back: \(lateAudit.summary)"
            )
            figure(
                String(
                    format:
                        "healthy partner's latency event→webhook: p50 %.0f ms, p99 %.0f ms before; p50 %.0f ms, p99 %.0f ms during the outage",
                    quantile(before, 0.5), p99Before, quantile(during, 0.5), p99During))
        }
    }
}
