import Avro
import DeadLetters
import Digest
import Foundation
import Kafka
import Payments
import ResponseCodec
import Synchronization
import TestSupport
import Testing
import WebhooksTesting

@testable import Webhooks

/// The sink against the embedded broker and real loopback HTTP receivers.
@Suite(.serialized) struct WebhookSinkTests {
    let lifecycle: [PaymentEventType] = [.initiated, .validated, .debited, .submittedToClearing, .completed]

    @Test func deliversSignedWebhooksInOrderPerPayment() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant()
        let receiver = WebhookReceiver()
        let payments = ["PAY-A", "PAY-B", "PAY-C"]
        let written = try await harness.write(tenant, lifecycle.flatMap { type in payments.map { ($0, type) } })
        try await receiver.serve {
            let sink = try harness.sink([.init(endpoint: harness.settings(tenant, url: receiver.url))])
            try await withSink(sink) {
                // The receiver has a request before the sink has its answer: the sink's count is
                // awaited too, or stopping it would cancel deliveries the receiver already saw.
                try await eventually("15 deliveries") { receiver.requests.count >= 15 && sink.totals.delivered >= 15 }
            }
        }
        let requests = receiver.requests
        #expect(requests.count == 15)
        for payment in payments {
            let types = requests.filter { $0.paymentId == payment }.compactMap { $0.json?["eventType"] as? String }
            #expect(types == lifecycle.map(\.rawValue), "order of \(payment)")
        }
        let key = Array("partner-secret-key-0123456789".utf8)
        for request in requests {
            let response = try #require(written.first { $0.eventId == request.eventId })
            #expect(request.body == WebhookBody.render(response))
            let timestamp = try #require(request.headers["webhook-timestamp"])
            let signed = Array("\(response.eventId).\(timestamp).".utf8) + request.body
            #expect(
                request.headers["webhook-signature"] == "v1,"
                    + Data(Digest.hmacSHA256(key: key, data: signed)).base64EncodedString())
            #expect(
                request.headers["x-webhook-signature"] == "sha256="
                    + Digest.hex(Digest.hmacSHA256(key: key, data: request.body)))
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["x-correlation-id"] == response.correlationId)
            #expect(request.headers["x-tenant-id"] == tenant)
            #expect(request.headers["user-agent"]?.hasPrefix("payments-bridge") == true)
        }
        #expect(
            harness.metricsText().contains(
                #"payments_bridge_webhook_deliveries_total{tenant="\#(tenant)",outcome="delivered"} 15"#))
    }

    @Test func aFailingPaymentWaitsInTheRetryLogWhileOthersFlowAndKeepsItsOrder() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        // PAY-SLOW fails twice with 503; everything else succeeds at once.
        let receiver = WebhookReceiver { request, all in
            let slowAttempts = all.filter { $0.paymentId == "PAY-SLOW" }.count
            return request.paymentId == "PAY-SLOW" && slowAttempts <= 2 ? .status(503) : .ok
        }
        try await harness.write(
            tenant,
            [
                ("PAY-SLOW", .initiated), ("PAY-FAST", .initiated), ("PAY-SLOW", .validated),
                ("PAY-FAST", .validated), ("PAY-SLOW", .completed), ("PAY-FAST", .completed),
            ])
        try await receiver.serve {
            // The request timeout is not what this test is about: a long one keeps a request the
            // loaded machine answers slowly from becoming a retry (and a ninth request).
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url, requestTimeout: .seconds(30)))],
                schedule: [.milliseconds(700), .milliseconds(700)])
            try await withSink(sink) {
                try await eventually("all delivered") {
                    receiver.requests.filter { $0.headers["webhook-id"] != nil }.count >= 8
                }
            }
        }
        let requests = receiver.requests
        let slow = requests.filter { $0.paymentId == "PAY-SLOW" }
        let fast = requests.filter { $0.paymentId == "PAY-FAST" }
        #expect(fast.count == 3)
        #expect(slow.count == 5)  // two failures, then three deliveries
        #expect(
            slow.compactMap { $0.json?["eventType"] as? String } == [
                "PAYMENT_INITIATED", "PAYMENT_INITIATED", "PAYMENT_INITIATED", "PAYMENT_VALIDATED", "PAYMENT_COMPLETED",
            ])
        // The healthy payment did not wait for the failing one's retries.
        #expect(try #require(fast.last).arrival < slow[2].arrival)
        #expect(slow[0].eventId == slow[2].eventId, "webhook-id is stable across retries")
        #expect(harness.metricsText().contains(#"outcome="retry_scheduled"} 2"#))
    }

    @Test func honoursRetryAfterOn429() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver { _, all in all.count == 1 ? .status(429, headers: ["Retry-After": "1"]) : .ok }
        try await harness.write(tenant, [("PAY-1", .completed)])
        try await receiver.serve {
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url))],
                schedule: [.milliseconds(50)])
            try await withSink(sink) { try await eventually("retry") { receiver.requests.count >= 2 } }
        }
        let requests = receiver.requests
        #expect(requests[1].arrival - requests[0].arrival >= .milliseconds(950))
    }

    @Test func aRefusedRecordIsDeadLetteredAndLaterOnesOfThePaymentStillFlow() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver { request, _ in
            (request.json?["eventType"] as? String) == "PAYMENT_VALIDATED" ? .status(400) : .ok
        }
        let written = try await harness.write(
            tenant, [("PAY-1", .initiated), ("PAY-1", .validated), ("PAY-1", .completed)])
        try await receiver.serve {
            let sink = try harness.sink([.init(endpoint: harness.settings(tenant, url: receiver.url))])
            try await withSink(sink) { try await eventually("3 requests") { receiver.requests.count >= 3 } }
        }
        #expect(receiver.requests.map(\.eventId) == written.map(\.eventId))
        let dead = try await harness.deadLetters(tenant, count: 1)
        let record = try #require(dead.first)
        #expect(record.header("eventId") == nil)  // original headers only: the test wrote tenantId
        #expect(record.header("tenantId") == tenant)
        #expect(record.header(DeadLetterHeader.reason) == "http_status")
        #expect(record.header(DeadLetterHeader.httpStatus) == "400")
        #expect(record.header(DeadLetterHeader.attempts) == "1")
        #expect(record.header(DeadLetterHeader.originalTopic) == harness.topic(tenant))
        #expect(record.header(DeadLetterHeader.originalOffset) == "1")
        #expect(record.header(DeadLetterHeader.consumerGroup) == harness.group)
        #expect(record.key == Array("PAY-1".utf8))
        #expect(
            try await PaymentResponseDecoder(registry: harness.registry).decode(record.value, channel: .partner).eventId
                == written[1].eventId)
    }

    @Test func goneEndpointIsDeadLetteredAndNotCalledAgain() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver { _, _ in .status(410) }
        try await harness.write(tenant, [("PAY-1", .initiated)])
        let dead = try await receiver.serve {
            let sink = try harness.sink([.init(endpoint: harness.settings(tenant, url: receiver.url))])
            return try await withSink(sink) {
                _ = try await harness.deadLetters(tenant, count: 1)
                // Later records of any payment are dead-lettered without a request.
                try await harness.write(tenant, [("PAY-2", .initiated), ("PAY-1", .completed)])
                return try await harness.deadLetters(tenant, count: 3)
            }
        }
        #expect(receiver.requests.count == 1)
        #expect(dead.map { $0.header(DeadLetterHeader.reason) } == ["endpoint_gone", "endpoint_gone", "endpoint_gone"])
        #expect(dead.allSatisfy { $0.header(DeadLetterHeader.httpStatus) == "410" })
        #expect(dead.map { $0.header(DeadLetterHeader.attempts) } == ["1", "0", "0"])
    }

    @Test func slowResponsesTimeOutAndAreRetried() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver { _, all in all.count == 1 ? WebhookReceiver.Reply(delay: .seconds(3)) : .ok }
        try await harness.write(tenant, [("PAY-1", .completed)])
        try await receiver.serve {
            let sink = try harness.sink(
                [
                    .init(
                        endpoint: harness.settings(
                            tenant, url: receiver.url,
                            requestTimeout: .milliseconds(400)))
                ],
                schedule: [.milliseconds(100)])
            try await withSink(sink) { try await eventually("second attempt") { receiver.requests.count >= 2 } }
        }
        let requests = receiver.requests
        #expect(requests[1].arrival - requests[0].arrival < .seconds(2))
        #expect(requests[0].eventId == requests[1].eventId)
    }

    @Test func exhaustedRetriesAreDeadLetteredAfterADayOfTheInjectedClock() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver { _, _ in .status(503) }
        try await harness.write(tenant, [("PAY-1", .completed)])
        let clock = AcceleratedSinkClock(factor: 20_000)  // a day in about 4.3 s
        let contract: [Duration] = [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 28_800].map { .seconds($0) }
        let dead = try await receiver.serve {
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url))],
                schedule: contract, minimumWindow: .seconds(86_400), clock: clock)
            return try await withSink(sink) { try await harness.deadLetters(tenant, count: 1, timeout: .seconds(30)) }
        }
        let record = try #require(dead.first)
        #expect(record.header(DeadLetterHeader.reason) == "retries_exhausted")
        #expect(record.header(DeadLetterHeader.httpStatus) == "503")
        let attempts = try #require(record.header(DeadLetterHeader.attempts).flatMap { Int($0) })
        #expect(attempts == receiver.requests.count)
        #expect(attempts >= 11)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let first = try #require(record.header(DeadLetterHeader.firstAttempt).flatMap { formatter.date(from: $0) })
        let last = try #require(record.header(DeadLetterHeader.lastAttempt).flatMap { formatter.date(from: $0) })
        #expect(last.timeIntervalSince(first) >= 86_400 - 8 * 3600, "the last attempt comes after the whole schedule")
    }

    @Test func eventTypeFiltersSkipWithoutDeadLettering() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver()
        try await harness.write(tenant, lifecycle.map { ("PAY-1", $0) } + [("PAY-2", .failed)])
        try await receiver.serve {
            let sink = try harness.sink([
                .init(
                    endpoint: harness.settings(tenant, url: receiver.url),
                    eventTypes: [.completed, .failed])
            ])
            try await withSink(sink) {
                try await eventually("2 deliveries") { receiver.requests.count >= 2 }
                try await Task.sleep(for: .milliseconds(300))
            }
        }
        #expect(
            receiver.requests.compactMap { $0.json?["eventType"] as? String }.sorted() == [
                "PAYMENT_COMPLETED", "PAYMENT_FAILED",
            ])
        #expect(try await harness.deadLetters(tenant, count: 1, timeout: .seconds(2)).isEmpty)
        #expect(
            harness.metricsText().contains(
                #"payments_bridge_webhook_filtered_total{tenant="\#(tenant)",event_type="PAYMENT_INITIATED"} 1"#))
    }

    @Test func undecodableRecordsAreDeadLetteredAsDecodeErrors() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver()
        try await harness.writeRaw(
            tenant, [(Array("PAY-1".utf8), [0, 0, 0, 0, 42, 1, 2]), (Array("PAY-2".utf8), Array("{}".utf8))])
        try await harness.write(tenant, [("PAY-3", .completed)])
        let dead = try await receiver.serve {
            let sink = try harness.sink([.init(endpoint: harness.settings(tenant, url: receiver.url))])
            return try await withSink(sink) {
                try await eventually("delivery") { receiver.requests.count >= 1 }
                return try await harness.deadLetters(tenant, count: 2)
            }
        }
        #expect(dead.map { $0.header(DeadLetterHeader.reason) } == ["decode_error", "decode_error"])
        // Two payments: their dead letters may be written in either order.
        #expect(
            dead.first { $0.key == Array("PAY-1".utf8) }?.value == [0, 0, 0, 0, 42, 1, 2],
            "the undecodable value is kept byte for byte")
        #expect(dead.first { $0.key == Array("PAY-2".utf8) }?.value == Array("{}".utf8))
        #expect(receiver.requests.map(\.paymentId) == ["PAY-3"])
    }

    @Test func pendingRetriesSurviveARestartAndAreDeliveredInOrder() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver { _, _ in .status(503) }
        let written = try await harness.write(tenant, lifecycle.map { ("PAY-1", $0) } + [("PAY-2", .completed)])
        try await receiver.serve {
            // First run: the partner is down; everything goes to the retry log and is committed past.
            let first = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url))],
                schedule: [.seconds(3)])
            try await withSink(first) {
                try await eventually("both payments parked") { first.totals.retriesScheduled >= 2 }
                try await Task.sleep(for: .milliseconds(500))  // hand-offs and a commit
            }
            let attemptsBefore = receiver.requests.count
            #expect(attemptsBefore == 2)
            // The partner is back. A new instance (same group) must find the retries in the log.
            receiver.setScript { _, _ in .ok }
            let second = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url))],
                schedule: [.milliseconds(100)])
            try await withSink(second) {
                try await eventually(timeout: .seconds(90), "all delivered after restart") {
                    receiver.requests.count >= attemptsBefore + written.count
                }
            }
        }
        let delivered = receiver.requests.dropFirst(2)
        #expect(
            delivered.filter { $0.paymentId == "PAY-1" }.map(\.eventId)
                == written.filter { $0.paymentId == "PAY-1" }.map(\.eventId))
        #expect(Set(delivered.map(\.eventId)) == Set(written.map(\.eventId)))
    }

    @Test func anUnreachableRegistryPausesReadingInsteadOfDeadLettering() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let written = try await harness.write(tenant, lifecycle.map { ("PAY-R", $0) })
        let registry = UnreachableRegistry(serving: harness.registry)
        let receiver = WebhookReceiver()
        try await receiver.serve {
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url))], registry: registry)
            try await withSink(sink) {
                try await eventually("the sink says it waits for the registry") {
                    sink.readiness.reason?.contains("schema registry") == true
                }
                try await eventually("several failed lookups") { registry.failures.load(ordering: .relaxed) >= 3 }
                #expect(receiver.requests.isEmpty)
                #expect(sink.totals.deadLettered == 0, "the records are not at fault")
                registry.down.store(false, ordering: .relaxed)
                try await eventually("every record delivered") { receiver.requests.count >= 5 }
                try await eventually("ready again") { sink.readiness.ready }
            }
        }
        #expect(receiver.requests.map(\.eventId) == written.map(\.eventId))
    }
}

/// A registry that fails like an unreachable Confluent registry (after the client's own
/// retries) while `down`, then serves from `serving`.
final class UnreachableRegistry: SchemaRegistry {
    let down = Atomic<Bool>(true)
    let failures = Atomic<Int>(0)
    private let serving: EmbeddedSchemaRegistry

    init(serving: EmbeddedSchemaRegistry) { self.serving = serving }

    func id(of schema: AvroSchema, subject: String) async throws -> Int32 {
        try check()
        return try await serving.id(of: schema, subject: subject)
    }

    func schema(id: Int32) async throws -> AvroSchema {
        try check()
        return try await serving.schema(id: id)
    }

    private func check() throws {
        guard down.load(ordering: .relaxed) else { return }
        failures.add(1, ordering: .relaxed)
        throw SchemaRegistryError(kind: .unreachable, message: "connection refused", status: nil)
    }
}
