import DeadLetters
import Foundation
import Kafka
import Payments
import Synchronization
import TestSupport
import Testing
import WebhooksTesting

@testable import ResponseCodec
@testable import Webhooks

/// Partners that fail some requests, partners that are down and come back, hostile answers, and
/// rebalances with retries pending: the sink's promise is every status, once or as a
/// same-`webhook-id` duplicate, in order per payment, without minutes of extra delay.
@Suite(.serialized) struct SinkPartnerTests {
    let lifecycle: [PaymentEventType] = [.initiated, .validated, .debited, .submittedToClearing, .completed]

    /// Each payment's event types as delivered (2xx answers only), in arrival order.
    static func delivered(_ requests: [WebhookReceiver.Request], accepted: Set<Int>) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (index, request) in requests.enumerated() where accepted.contains(index) {
            guard let payment = request.paymentId, let type = request.json?["eventType"] as? String else { continue }
            result[payment, default: []].append(type)
        }
        return result
    }

    /// The indices of the requests a partner accepted.
    final class Accepted: Sendable {
        let indices = Mutex<Set<Int>>([])
    }

    /// A receiver that records which requests it accepted.
    final class Partner: Sendable {
        let accepted: Accepted
        let receiver: WebhookReceiver
        init(fails: @escaping @Sendable (WebhookReceiver.Request, [WebhookReceiver.Request]) -> Bool) {
            let accepted = Accepted()
            self.accepted = accepted
            receiver = WebhookReceiver { request, all in
                if fails(request, all) { return .status(503) }
                accepted.indices.withLock { _ = $0.insert(all.count - 1) }
                return .ok
            }
        }
        var deliveredCount: Int { accepted.indices.withLock { $0.count } }
        var delivered: [String: [String]] {
            SinkPartnerTests.delivered(receiver.requests, accepted: accepted.indices.withLock { $0 })
        }
    }

    func expectAllInOrder(_ partner: Partner, payments: [String]) {
        let delivered = partner.delivered
        // A duplicate is the same webhook: one webhook-id per payment and event.
        let accepted = partner.accepted.indices.withLock { $0 }
        var ids: [String: Set<String>] = [:]
        for (index, request) in partner.receiver.requests.enumerated() where accepted.contains(index) {
            ids["\(request.paymentId ?? "")/\(request.json?["eventType"] as? String ?? "")", default: []].insert(
                request.eventId ?? "")
        }
        #expect(ids.values.allSatisfy { $0.count == 1 }, "duplicates carry the same webhook-id")
        for payment in payments {
            // Duplicates (same webhook-id) are allowed by the contract; order is not negotiable.
            var seen: [String] = []
            for type in delivered[payment] ?? [] where seen.last != type { seen.append(type) }
            #expect(seen == lifecycle.map(\.rawValue), "order of \(payment)")
        }
    }

    /// Writes the payments' lifecycles and runs a sink until the partner accepted all of them;
    /// how long that took from the first request (the group join before it is not the sink's
    /// delivery time).
    func deliverLifecycles(
        of payments: [String], to partner: Partner, harness: SinkHarness, tenant: String,
        schedule: [Duration], minimumWindow: Duration
    ) async throws -> Duration {
        try await harness.write(tenant, lifecycle.flatMap { type in payments.map { ($0, type) } })
        let expected = payments.count * lifecycle.count
        return try await partner.receiver.serve {
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: partner.receiver.url))],
                schedule: schedule, minimumWindow: minimumWindow)
            return try await withSink(sink) {
                try await eventually(timeout: .seconds(90), "\(expected) deliveries") {
                    partner.deliveredCount >= expected
                }
                let requests = partner.receiver.requests
                return requests[requests.count - 1].arrival - requests[0].arrival
            }
        }
    }

    @Test func aPartnerFailingEachPaymentsFirstTwoAttemptsGetsEverythingOnItsSchedule() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 2)
        let payments = (0..<20).map { "PAY-\($0)" }
        // 503 to the first two attempts of each payment's first event, 200 to everything else.
        let partner = Partner { request, all in
            request.json?["eventType"] as? String == "PAYMENT_INITIATED"
                && all.filter { $0.eventId == request.eventId }.count <= 2
        }
        let elapsed = try await deliverLifecycles(
            of: payments, to: partner, harness: harness, tenant: tenant,
            schedule: [.seconds(1), .seconds(2), .seconds(2)], minimumWindow: .zero)
        expectAllInOrder(partner, payments: payments)
        // The schedule holds each payment 1 s + 2 s (plus the other four events); a few seconds more at most.
        #expect(elapsed < .seconds(8), "delivered within the records' own schedule plus a few seconds: \(elapsed)")
        figure(
            "partner failing each payment's first two attempts (schedule 1 s/2 s/2 s, 20 payments × 5 events): "
                + "100/100 delivered in order \(seconds(elapsed)) after the first request, \(partner.receiver.requests.count) requests"
        )
    }

    @Test func aPartnerFailingARandomThirdOfRequestsGetsEverythingInOrder() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 2)
        let payments = (0..<20).map { "PAY-\($0)" }
        let partner = Partner { _, _ in Int.random(in: 0..<3) == 0 }
        let elapsed = try await deliverLifecycles(
            of: payments, to: partner, harness: harness, tenant: tenant,
            schedule: [.milliseconds(500), .seconds(1)], minimumWindow: .seconds(3600))
        expectAllInOrder(partner, payments: payments)
        let requests = partner.receiver.requests.count
        // A payment of five events fails about 2.5 requests, each costing at most a second.
        #expect(elapsed < .seconds(25), "\(elapsed)")
        figure(
            "partner failing a random third of requests (20 payments × 5 events, schedule 0.5 s/1 s): "
                + "100/100 delivered in order \(seconds(elapsed)) after the first request, \(requests) requests")
    }

    @Test func parkedRecordsInMemoryStayWithinTheBudgetAndEverythingArrivesInOrder() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 2)
        let payments = (0..<40).map { "PAY-\($0)" }
        let partner = Partner { _, _ in Int.random(in: 0..<3) == 0 }
        try await harness.write(tenant, lifecycle.flatMap { type in payments.map { ($0, type) } })
        let peak = try await partner.receiver.serve {
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: partner.receiver.url))],
                schedule: [.milliseconds(500), .seconds(1)], minimumWindow: .seconds(3600)
            ) { configuration in
                configuration.maxPendingPerTenant = 10
                configuration.maxOutstandingPerPartition = 10
            }
            return try await withSink(sink) {
                try await eventually(timeout: .seconds(120), "200 deliveries") { partner.deliveredCount >= 200 }
                return sink.totals.pendingPeak
            }
        }
        expectAllInOrder(partner, payments: payments)
        // The budget stops reading; records already read (at most the window of each partition)
        // may still be parked after it.
        #expect(peak <= 10 + 2 * 10, "at most the budget plus the partitions' windows: \(peak)")
        figure(
            "partner failing a random third, budget of 10 parked records in memory: 200/200 delivered in order, "
                + "at most \(peak) parked at once")
    }

    @Test func aPartnerThatIsDownIsHeldBackAsAWhole() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        try await harness.write(tenant, (0..<10).map { ("PAY-\($0)", .completed) })
        // Ten payments retried every 100 ms would make about 200 requests in two seconds.
        let url = "http://127.0.0.1:\(closedLoopbackPort())/webhooks"
        let sink = try harness.sink(
            [.init(endpoint: harness.settings(tenant, url: url))],
            schedule: [.milliseconds(100)], minimumWindow: .seconds(3600))
        let attempts = try await withSink(sink) {
            try await eventually("first failures") { sink.totals.attempts >= 5 }
            try await Task.sleep(for: .seconds(2))
            return sink.totals.attempts
        }
        // Five refused connections open the circuit for 5 s: those in flight and nothing else.
        #expect(attempts <= 10, "\(attempts) requests")
        #expect(harness.metricsText().contains(#"payments_bridge_webhook_circuit_open{tenant="\#(tenant)"} 1"#))
        figure(
            "partner refusing connections (10 payments, retries every 100 ms): \(attempts) requests in 2 s, then held back"
        )
    }

    @Test func aPartnerThatComesBackGetsItsBacklogWithinThirtySeconds() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let clock = AcceleratedSinkClock(factor: 10)
        let down = Mutex(true)
        // Down: the partner takes the connection but never answers (every request times out).
        let receiver = WebhookReceiver { _, _ in down.withLock { $0 } ? WebhookReceiver.Reply(delay: .seconds(5)) : .ok
        }
        let payments = (0..<10).map { "PAY-\($0)" }
        try await harness.write(tenant, payments.map { ($0, .initiated) })
        let (recoveredAfter, requests) = try await receiver.serve {
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url, requestTimeout: .milliseconds(300)))],
                schedule: [.seconds(1), .seconds(5), .seconds(10)], minimumWindow: .seconds(3600), clock: clock)
            return try await withSink(sink) {
                try await eventually("the circuit opens") {
                    harness.metricsText().contains(#"payments_bridge_webhook_circuit_open{tenant="\#(tenant)"} 1"#)
                }
                // More backlog while it is down, then two minutes of outage (sink time).
                try await harness.write(tenant, payments.map { ($0, .validated) })
                try await Task.sleep(for: .seconds(12))
                let recovered = clock.now()
                down.withLock { $0 = false }
                try await eventually(timeout: .seconds(30), "the first delivery after recovery") {
                    sink.totals.delivered > 0
                }
                let first = clock.now()
                try await eventually(timeout: .seconds(60), "the whole backlog") { sink.totals.delivered >= 20 }
                return (Double(first - recovered) / 1000, sink.totals.attempts)
            }
        }
        #expect(recoveredAfter <= 30, "first delivery \(recoveredAfter) s (sink time) after the partner came back")
        let delivered = receiver.requests.filter { $0.headers["webhook-id"] != nil }
        for payment in payments {
            let types = delivered.filter { $0.paymentId == payment }.compactMap { $0.json?["eventType"] as? String }
            #expect(
                types.last == "PAYMENT_VALIDATED"
                    && types.firstIndex(of: "PAYMENT_VALIDATED")! > types.lastIndex(of: "PAYMENT_INITIATED")!,
                "\(payment): the backlog in order")
        }
        figure(
            "partner down (timeouts) for 2 min of sink time, then back: first delivery \(String(format: "%.1f", recoveredAfter)) s after, "
                + "backlog of 20 delivered in order; \(requests) requests in all")
    }

    @Test func a2xxWithAnOversizedBodyIsADelivery() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let big = String(repeating: "x", count: 200 * 1024)
        let receiver = WebhookReceiver { _, _ in WebhookReceiver.Reply(body: big) }
        try await harness.write(tenant, lifecycle.map { ("PAY-BIG", $0) })
        try await receiver.serve {
            let sink = try harness.sink([.init(endpoint: harness.settings(tenant, url: receiver.url))])
            try await withSink(sink) {
                try await eventually("5 deliveries") { sink.totals.delivered >= 5 }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        #expect(receiver.requests.count == 5, "one request per event: \(receiver.requests.count)")
    }

    @Test func aRecordWhoseHeaderCannotBeBuiltIsDeadLetteredAtOnceAndItsPaymentGoesOn() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver()
        try await harness.write(tenant, lifecycle.map { ("PAY-CRLF", $0) }) { index, response in
            if index == 0 { response.correlationId = "corr\r\nX-Injected: yes" }
        }
        let dead = try await receiver.serve {
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url))], schedule: [.seconds(30)])
            return try await withSink(sink) {
                try await eventually("4 deliveries") { sink.totals.delivered >= 4 }
                return try await harness.deadLetters(tenant, count: 1)
            }
        }
        #expect(receiver.requests.count == 4)
        #expect(
            receiver.requests.compactMap { $0.json?["eventType"] as? String } == lifecycle.dropFirst().map(\.rawValue))
        let record = try #require(dead.first)
        #expect(record.header(DeadLetterHeader.reason) == "decode_error")
        #expect(record.header(DeadLetterHeader.error)?.contains("correlationId") == true)
        #expect(record.header(DeadLetterHeader.attempts) == "0")
    }

    @Test func aRebalanceWithARetryPendingSendsItOnceAndLeavesNoStaleEntry() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver { request, all in
            all.filter { $0.eventId == request.eventId }.count == 1 ? .status(503) : .ok
        }
        try await harness.write(tenant, [("PAY-R", .initiated), ("PAY-R", .validated)])
        try await receiver.serve {
            let settings = harness.settings(tenant, url: receiver.url)
            let first = try harness.sink(
                [.init(endpoint: settings)], schedule: [.seconds(4)], minimumWindow: .seconds(3600))
            let firstTask = Task { try await first.run() }
            try await eventually("the first attempt failed and its retry is pending") {
                first.totals.retriesScheduled >= 1
            }
            // A second member joins: every partition is revoked (eager assignor) and assigned again.
            let second = try harness.sink(
                [.init(endpoint: settings)], schedule: [.seconds(4)], minimumWindow: .seconds(3600))
            let secondTask = Task { try await second.run() }
            try await eventually(timeout: .seconds(40), "both delivered") {
                first.totals.delivered + second.totals.delivered >= 2
            }
            try await Task.sleep(for: .seconds(5))  // a stale worker would send again when its retry falls due
            firstTask.cancel()
            secondTask.cancel()
            _ = await firstTask.result
            _ = await secondTask.result
        }
        let initiated = receiver.requests.filter { $0.json?["eventType"] as? String == "PAYMENT_INITIATED" }
        #expect(initiated.count == 2, "one failure, then exactly one retry: \(initiated.count) requests")
        #expect(receiver.requests.compactMap { $0.json?["eventType"] as? String }.last == "PAYMENT_VALIDATED")
        #expect(try await harness.pendingRetries().isEmpty, "no stale retry-log entry")
    }

    @Test func twoInstancesShareThePartitionsAndTheSurvivorTakesOverPendingRetries() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 4)
        let payments = (0..<40).map { "PAY-\($0)" }
        // Every payment's first event fails once: at any time many retries are pending.
        let partner = Partner { request, all in
            request.json?["eventType"] as? String == "PAYMENT_INITIATED"
                && all.filter { $0.eventId == request.eventId }.count == 1
        }
        try await harness.write(tenant, lifecycle.flatMap { type in payments.map { ($0, type) } })
        let (firstShare, secondShare) = try await partner.receiver.serve {
            var settings = harness.settings(tenant, url: partner.receiver.url)
            settings.maxInFlight = 8
            let first = try harness.sink(
                [.init(endpoint: settings)], schedule: [.seconds(2)], minimumWindow: .seconds(3600))
            let second = try harness.sink(
                [.init(endpoint: settings)], schedule: [.seconds(2)], minimumWindow: .seconds(3600))
            let firstTask = Task { try await first.run() }
            let secondTask = Task { try await second.run() }
            try await eventually(timeout: .seconds(40), "both instances deliver, the first with retries pending") {
                first.totals.delivered > 0 && second.totals.delivered > 0 && first.totals.retriesScheduled > 0
            }
            firstTask.cancel()  // the first instance goes away; the second takes over its partitions
            _ = await firstTask.result
            try await eventually(timeout: .seconds(60), "200 deliveries") { partner.deliveredCount >= 200 }
            secondTask.cancel()
            _ = await secondTask.result
            return (first.totals.delivered, second.totals.delivered)
        }
        expectAllInOrder(partner, payments: payments)
        let duplicates = partner.deliveredCount - 200
        #expect(firstShare > 0 && secondShare > 0)
        // Requests in flight when the first instance stopped are cancelled but may have reached
        // the partner (8 at most), and so may records whose tombstone was still being written.
        #expect(
            duplicates <= 16,
            "at most the requests in flight or finishing when the first instance stopped: \(duplicates)")
        figure(
            "two sink instances, one stopped with retries pending: 200/200 delivered in order "
                + "(\(firstShare) by the first, \(secondShare) by the second, \(duplicates) duplicates)")
    }
}

/// Records too large for Kafka's limits once the sink adds its headers.
@Suite(.serialized) struct SinkOversizedTests {
    @Test func aRecordTooLargeForTheRetryLogIsDeadLetteredOversizedWithoutItsValueAndThePaymentGoesOn() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        // A sink whose records may be 1,000,000 bytes (librdkafka's default; the service derives
        // its limit from bridge.maxEventBytes) and a response just under it: the record itself
        // fits, its retry-log entry and its dead letter (the same value plus headers) do not.
        let base = try harness.schema.encodeFramed(
            sampleResponse(paymentId: "PAY-BIG", tenant: tenant).avroValue(), schemaID: harness.schemaID
        ).count
        let padding = 999_700 - base - 8
        let receiver = WebhookReceiver { request, all in
            request.json?["eventType"] as? String == "PAYMENT_INITIATED" && all.count == 1 ? .status(503) : .ok
        }
        try await harness.write(tenant, [("PAY-BIG", .initiated), ("PAY-BIG", .validated)]) { index, response in
            if index == 0 { response.metadata = ["blob": String(repeating: "x", count: padding)] }
        }
        let dead = try await receiver.serve {
            let sink = try harness.sink(
                [.init(endpoint: harness.settings(tenant, url: receiver.url))], schedule: [.seconds(30)]
            ) {
                $0.maxRecordBytes = 1_000_000
            }
            return try await withSink(sink) {
                try await eventually("the next event delivered") { sink.totals.delivered >= 1 }
                return try await harness.deadLetters(tenant, count: 1)
            }
        }
        let record = try #require(dead.first)
        #expect(record.header(DeadLetterHeader.reason) == "oversized")
        #expect(
            record.header(DeadLetterHeader.error)?.contains("not kept") == true,
            "\(record.header(DeadLetterHeader.error) ?? "")")
        #expect((record.value ?? []).isEmpty, "the dead letter carries the coordinates, not the value Kafka refused")
        #expect(
            receiver.requests.compactMap { $0.json?["eventType"] as? String } == [
                "PAYMENT_INITIATED", "PAYMENT_VALIDATED",
            ])
        #expect(harness.metricsText().contains("payments_bridge_webhook_writes_refused_total"))
    }
}
