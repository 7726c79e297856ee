import Foundation
import Kafka
import Payments
import PropertyBased
import TestSupport
import Testing

@testable import Webhooks

@Suite("The attempt log: every attempt and decision of the sink, keyed by payment")
struct AttemptLogTests {
    @Test func anEntryReadsBackAsWritten() throws {
        let entry = DeliveryAttempt(
            tenant: "abc", paymentId: "PAY-1", eventId: "evt-1", webhookId: "evt-1", attempt: 2,
            sentAt: 1_700_000_000_123,
            durationMs: 41, outcome: .retryScheduled, httpStatus: 503, errorClass: .httpStatus, error: "HTTP 503",
            responseBody: "busy", topic: "payments.responses.partner.abc", partition: 1, offset: 7,
            eventTime: 1_699_999_999_000)
        #expect(DeliveryAttempt.decoded(from: entry.encoded()) == entry)
        let text = String(decoding: entry.encoded(), as: UTF8.self)
        #expect(text.contains(#""outcome":"retry_scheduled""#))
        #expect(text.contains(#""errorClass":"http_status""#))
        #expect(DeliveryAttempt.decoded(from: Array("not json".utf8)) == nil)
    }

    @Test func anyEntryReadsBackAsWrittenAndAsJSONEncoderWouldHaveWrittenIt() async {
        let text = Gen.element(of: ["\"", "\\", "\u{01}", "\n", "\u{7f}", "é", "💶", "a", "/"]).array(of: 0...10)
            .map { $0.compactMap { $0 }.joined() }
        let number = Gen.int64(in: -1...Int64.max)
        let entry = zip(
            zip(text, text, text, text, Gen.int(in: 0...1000), number, number),
            zip(
                Gen.element(of: DeliveryAttempt.Outcome.allCases), Gen.int(in: 100...599).optional,
                Gen.element(of: DeliveryAttempt.ErrorClass.allCases).optional, text.optional, text.optional),
            zip(text, Gen.int(in: 0...Int(Int32.max)), number, number.optional)
        ).map { first, second, third in
            DeliveryAttempt(
                tenant: first.0, paymentId: first.1, eventId: first.2, webhookId: first.3, attempt: first.4,
                sentAt: first.5, durationMs: first.6, outcome: second.0!, httpStatus: second.1,
                errorClass: second.2.flatMap { $0 }, error: second.3, responseBody: second.4, topic: third.0,
                partition: Int32(third.1), offset: third.2, eventTime: third.3)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        await propertyCheck(count: 300, input: entry) { entry in
            #expect(DeliveryAttempt.decoded(from: entry.encoded()) == entry)
            let mine = try JSONSerialization.jsonObject(with: Data(entry.encoded())) as? NSDictionary
            let theirs = try JSONSerialization.jsonObject(with: encoder.encode(entry)) as? NSDictionary
            #expect(mine == theirs)
            // Keys in order, as JSONEncoder's sortedKeys writes them.
            let keys = try #require(mine?.allKeys as? [String])
            let written = String(decoding: entry.encoded(), as: UTF8.self)
            let positions = keys.sorted().map { written.range(of: "\"\($0)\":")!.lowerBound }
            #expect(positions == positions.sorted())
        }
    }

    @Test func aResponseExcerptKeepsWholeCharactersWithinItsLimit() throws {
        #expect(DeliveryAttempt.excerpt([UInt8]()) == nil)
        let long = String(repeating: "é", count: 200)  // 400 bytes, 2 per character
        let excerpt = try #require(DeliveryAttempt.excerpt(Array(long.utf8)))
        #expect(excerpt.utf8.count <= DeliveryAttempt.responseExcerptBytes)
        #expect(excerpt == String(repeating: "é", count: 128))
        let odd = try #require(DeliveryAttempt.excerpt(Array(("a" + long).utf8)))
        #expect(odd.utf8.count <= DeliveryAttempt.responseExcerptBytes)
        #expect(odd.hasPrefix("aé"))
    }

    @Test func resultsAreClassified() {
        func classOf(_ result: WebhookEndpoint.AttemptResult) -> DeliveryAttempt.ErrorClass? {
            AttemptLog.describe(result).errorClass
        }
        #expect(classOf(.delivered(status: 204)) == nil)
        #expect(AttemptLog.describe(.delivered(status: 204)).status == 204)
        #expect(classOf(.retriable(status: 503, retryAfter: nil, error: "HTTP 503")) == .httpStatus)
        #expect(classOf(.retriable(status: nil, retryAfter: nil, error: "timed out")) == .timeout)
        #expect(classOf(.retriable(status: nil, retryAfter: nil, error: "connection refused")) == .connection)
        #expect(classOf(.retriable(status: nil, retryAfter: nil, error: "OAuth2 token request: HTTP 500")) == .oauth2)
        #expect(classOf(.gone) == .httpStatus)
        #expect(AttemptLog.describe(.gone).status == 410)
        #expect(classOf(.refused(status: 400, error: "HTTP 400")) == .httpStatus)
        #expect(classOf(.blocked("loopback")) == .blocked)
        #expect(classOf(.tlsFailed("TLS handshake failed")) == .tls)
        #expect(classOf(.unsendable("bad header")) == .unsendable)
    }

    @Test func anEntryKafkaRefusesIsCountedAndDeliveryGoesOn() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver { _, _ in .ok }
        _ = try await harness.write(tenant, [("PAY-1", .initiated), ("PAY-2", .initiated)])
        try await receiver.serve {
            // Kafka refuses the next produce requests (a permanent error for each): the attempt
            // log's entries all fail after they were handed over. The deliveries all succeed, so
            // nothing else is produced.
            harness.mock.cluster.failNextRequests(.produce, with: Array(repeating: .messageTooLarge, count: 50))
            // A long request timeout: a request the loaded machine answers late must not become a
            // retry, whose retry-log write would be refused as well.
            let sink = try harness.sink([
                WebhookSink.Tenant(
                    endpoint: harness.settings(tenant, url: receiver.url, requestTimeout: .seconds(30)))
            ])
            try await withSink(sink) {
                // One entry per request, every one counted as not written.
                func seen() -> (payments: Set<String>, requests: Int, failures: String?) {
                    let requests = receiver.requests
                    let failures = harness.metricsText().split(separator: "\n").first {
                        $0.hasPrefix("payments_bridge_webhook_attempt_log_failures_total ")
                    }
                    return (Set(requests.compactMap(\.paymentId)), requests.count, failures.map(String.init))
                }
                let done = try? await waitUntil("both delivered and every entry counted", timeout: .seconds(60)) {
                    let now = seen()
                    return now.payments == ["PAY-1", "PAY-2"]
                        && now.failures == "payments_bridge_webhook_attempt_log_failures_total \(now.requests)"
                }
                let last = seen()
                #expect(
                    done != nil,
                    "delivered \(last.payments) in \(last.requests) requests; \(last.failures ?? "no failures counted")"
                )
            }
        }
    }

    @Test func theSinkLogsEveryAttemptInOrderWithItsAnswer() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        // PAY-1: two 503s, then delivered; PAY-2: refused (dead-lettered); PAY-3: filtered out.
        let receiver = WebhookReceiver { request, earlier in
            switch request.paymentId {
            case "PAY-1":
                let before = earlier.filter { $0.paymentId == "PAY-1" }.count
                return before <= 2
                    ? WebhookReceiver.Reply(status: 503, body: "busy, try later")
                    : WebhookReceiver.Reply(status: 200, body: "ok")
            default: return WebhookReceiver.Reply(status: 400, body: String(repeating: "x", count: 1000))
            }
        }
        let responses = try await harness.write(
            tenant, [("PAY-1", .initiated), ("PAY-2", .initiated), ("PAY-3", .completed)])
        let entries = try await receiver.serve {
            var configured = WebhookSink.Tenant(endpoint: harness.settings(tenant, url: receiver.url))
            configured.eventTypes = [.initiated]
            let sink = try harness.sink(
                [configured], schedule: [.milliseconds(100), .milliseconds(100), .milliseconds(100)])
            return try await withSink(sink) {
                try await readTopics([PaymentTopics.attempts(ofGroup: harness.group)], kafka: harness.kafka) {
                    $0.count >= 5
                }
            }
        }
        let log = entries.compactMap { record -> (String, DeliveryAttempt)? in
            guard let value = record.value, let entry = DeliveryAttempt.decoded(from: value) else { return nil }
            return (String(decoding: record.key ?? [], as: UTF8.self), entry)
        }
        #expect(log.count == 5)
        #expect(log.allSatisfy { $0.0 == $0.1.paymentId })

        let first = log.map(\.1).filter { $0.paymentId == "PAY-1" }
        #expect(first.map(\.attempt) == [1, 2, 3])
        #expect(first.map(\.outcome) == [.retryScheduled, .retryScheduled, .delivered])
        #expect(first.map(\.httpStatus) == [503, 503, 200])
        #expect(first.map(\.responseBody) == ["busy, try later", "busy, try later", "ok"])
        #expect(first.map(\.errorClass) == [.httpStatus, .httpStatus, nil])
        #expect(Set(first.map(\.webhookId)) == [responses[0].eventId])
        #expect(first.allSatisfy { $0.tenant == tenant && $0.topic == harness.topic(tenant) && $0.offset == 0 })
        #expect(first.allSatisfy { $0.eventTime == responses[0].timestamp })
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.sentAt < $1.sentAt })

        let refused = try #require(log.map(\.1).first { $0.paymentId == "PAY-2" })
        #expect(refused.outcome == .deadLettered)
        #expect(refused.httpStatus == 400)
        #expect(refused.responseBody?.utf8.count == DeliveryAttempt.responseExcerptBytes)

        let filtered = try #require(log.map(\.1).first { $0.paymentId == "PAY-3" })
        #expect(filtered.outcome == .filtered)
        #expect(filtered.attempt == 0)
        #expect(receiver.requests.allSatisfy { $0.paymentId != "PAY-3" })
        #expect(harness.metricsText().contains("payments_bridge_end_to_end_latency_seconds"))
    }

    @Test func anAttemptLogThatIsOffWritesNothing() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver()
        try await harness.write(tenant, [("PAY-1", .initiated)])
        try await receiver.serve {
            let sink = try harness.sink([.init(endpoint: harness.settings(tenant, url: receiver.url))]) {
                $0.attemptLog = false
            }
            try await withSink(sink) { try await eventually("delivered") { sink.totals.delivered == 1 } }
        }
        let topics = try await KafkaAdmin(configuration: harness.kafka, logger: quietLogger).listTopics()
        #expect(!topics.contains(PaymentTopics.attempts(ofGroup: harness.group)))
    }
}
