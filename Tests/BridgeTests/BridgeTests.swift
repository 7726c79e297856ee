import Avro
import Bridge
import DeadLetters
import Foundation
import Kafka
import Payments
import TestSupport
import Testing

@Suite("Bridge on the embedded broker", .serialized)
struct BridgeTests {
    @Test(
        "valid events become Avro records on the tenant's topic; bad ones (unknown event types too) are dead-lettered with a reason; listed internal types are skipped"
    )
    func endToEnd() async throws {
        let harness = try BridgeHarness()
        var events: [(key: String, value: [UInt8])] = []
        var eventIds: [String: [String]] = [:]  // paymentId → eventIds in order
        for (tenant, channel, payments) in [("TENANT-001", "PARTNER", 3), ("TENANT-002", "WEB", 2)] {
            for p in 0..<payments {
                let paymentId = "\(tenant)-PAY-\(p)"
                for type in paymentLifecycle {
                    let id = UUID().uuidString.lowercased()
                    eventIds[paymentId, default: []].append(id)
                    events.append(
                        (
                            paymentId,
                            internalEvent(
                                paymentId: paymentId, tenantId: tenant, type: type, eventId: id,
                                channel: channel)
                        ))
                }
            }
        }
        let bad: [(key: String, value: [UInt8], reason: String)] = [
            ("BAD-1", Array("{not json".utf8), "invalid_event"),
            ("BAD-2", internalEvent(paymentId: "BAD-2", changes: ["currency": nil]), "invalid_event"),
            ("BAD-3", internalEvent(paymentId: "BAD-3", tenantId: "STRANGER"), "unknown_tenant"),
            (
                "BAD-4",
                internalEvent(paymentId: "BAD-4", changes: ["metadata": ["blob": String(repeating: "x", count: 3000)]]),
                "oversized"
            ),
            // Types not in bridge.skipEventTypes are never skipped silently.
            ("PAY-U1", internalEvent(paymentId: "PAY-U1", type: "ShadowLedgerPostedEvent"), "invalid_event"),
            ("PAY-U2", internalEvent(paymentId: "PAY-U2", type: "AnotherUnseenEvent"), "invalid_event"),
        ]
        events += bad.map { ($0.key, $0.value) }
        events.append(("PAY-R", internalEvent(paymentId: "PAY-R", type: "RoutingDeterminedEvent")))
        try await harness.send(events, headers: [KafkaHeader("traceparent", "00-abc-01")])

        let bridge = try harness.bridge()
        let partnerTopic = "payments.responses.partner.TENANT-001"
        let webTopic = "payments.responses.web.TENANT-002"
        let dlt = "\(harness.inputTopic).DLT"
        let (responses, deadLetters) = try await withBridge(bridge) {
            let responses = try await harness.read([partnerTopic, webTopic], count: 25)
            let deadLetters = try await harness.read([dlt], count: 6)
            #expect(bridge.readiness.ready)
            return (responses, deadLetters)
        }

        #expect(responses.filter { $0.topic == partnerTopic }.count == 15)
        #expect(responses.filter { $0.topic == webTopic }.count == 10)
        for record in responses {
            let value = try await harness.decode(record)
            let paymentId = try #require(text(record.key))
            #expect(value[field: "paymentId"]?.string == paymentId)
            #expect(record.headers.last(named: "eventId")?.stringValue == value[field: "eventId"]?.string)
            #expect(record.headers.last(named: "eventType")?.stringValue == value[field: "eventType"]?.symbol)
            #expect(record.headers.last(named: "tenantId")?.stringValue == value[field: "tenantId"]?.string)
            #expect(record.headers.last(named: "correlationId")?.stringValue == "corr-\(paymentId)")
            #expect(value[field: "amount"] == .double(100.5))
            #expect(value[field: "timestamp"] == .long(1_764_000_000_123))
        }
        // Per payment: every event once, in order.
        for (paymentId, ids) in eventIds {
            let delivered = responses.filter { text($0.key) == paymentId }.compactMap {
                $0.headers.last(named: "eventId")?.stringValue
            }
            #expect(delivered == ids, "\(paymentId)")
        }

        #expect(deadLetters.count == 6)
        for expected in bad {
            let record = try #require(deadLetters.first { text($0.key) == expected.key })
            #expect(record.value == expected.value, "value kept byte for byte")
            #expect(record.headers.first?.name == "traceparent", "original headers kept first")
            #expect(record.headers.last(named: DeadLetterHeader.reason)?.stringValue == expected.reason)
            #expect(record.headers.last(named: DeadLetterHeader.originalTopic)?.stringValue == harness.inputTopic)
            #expect(record.headers.last(named: DeadLetterHeader.originalOffset) != nil)
            #expect(record.headers.last(named: DeadLetterHeader.consumerGroup)?.stringValue == harness.group)
            #expect(record.headers.last(named: DeadLetterHeader.attempts)?.stringValue == "1")
            #expect(record.headers.last(named: DeadLetterHeader.error)?.stringValue?.isEmpty == false)
        }

        let metrics = harness.metricsText()
        #expect(metrics.contains("payments_bridge_events_consumed_total 32"))
        #expect(
            metrics.contains(#"payments_bridge_responses_produced_total{channel="partner",tenant="TENANT-001"} 15"#))
        #expect(metrics.contains(#"payments_bridge_responses_produced_total{channel="web",tenant="TENANT-002"} 10"#))
        #expect(metrics.contains(#"payments_bridge_events_skipped_total{event_type="RoutingDeterminedEvent"} 1"#))
        #expect(!metrics.contains(#"event_type="other""#))
        #expect(
            metrics.contains(
                #"payments_bridge_dead_letters_total{source="\#(harness.inputTopic)",reason="invalid_event"} 4"#))
        #expect(!metrics.contains("ShadowLedgerPostedEvent"), "an upstream name never becomes a metric label")
        #expect(metrics.contains(#"reason="unknown_tenant""#))
        #expect(metrics.contains(#"payments_bridge_transactions_total{outcome="committed"}"#))
        #expect(
            metrics.contains(
                #"payments_bridge_consumer_lag{group="\#(harness.group)",topic="\#(harness.inputTopic)",partition="0"}"#
            ))
    }

    @Test(
        "errors injected on Produce, AddPartitionsToTxn and EndTxn lose nothing; duplicates are whole re-sent records")
    func injectedErrors() async throws {
        let harness = try BridgeHarness(brokers: 1)
        let (events, ids, expected) = BridgeHarness.paymentEvents(count: 300, payments: 30)
        try await harness.send(events)
        let bridge = try harness.bridge(harness.configuration(maxRecords: 20))
        let topic = "payments.responses.partner.TENANT-001"
        // The input is all written: the next requests of these kinds are the bridge's.
        harness.cluster.failNextRequests(.produce, with: [.notLeaderForPartition, .messageTooLarge])
        harness.cluster.failNextRequests(
            .addPartitionsToTxn, with: [.concurrentTransactions, .coordinatorLoadInProgress])
        harness.cluster.failNextRequests(.endTxn, with: [.notCoordinator, .coordinatorNotAvailable])
        let responses = try await withBridge(bridge) {
            try await harness.read([topic], timeout: .seconds(60)) { BridgeHarness.eventIds($0).count >= 300 }
        }
        let delivered = Set(responses.compactMap { $0.headers.last(named: "eventId")?.stringValue })
        let missing = ids.filter { !delivered.contains($0) }
        #expect(missing.isEmpty, "every event reached the partner topic; missing \(missing.prefix(5))")
        // The mock shows aborted records to readers; a duplicate must be the same record.
        var seen: [String: [UInt8]] = [:]
        for record in responses {
            let id = record.headers.last(named: "eventId")!.stringValue!
            if let earlier = seen[id] { #expect(earlier == record.value!, "duplicate \(id) differs") }
            seen[id] = record.value
        }
        let audit = DeliveryAudit(expected: expected, records: responses)
        #expect(audit.holds, "\(audit.summary)")
        figure("errors injected on Produce, AddPartitionsToTxn and EndTxn (two each): \(audit.summary)")
    }

    @Test("all brokers down mid-stream: the bridge waits, recovers and loses nothing")
    func brokersDown() async throws {
        let harness = try BridgeHarness()
        let (events, ids, _) = BridgeHarness.paymentEvents(count: 120, payments: 12)
        let bridge = try harness.bridge()
        let topic = "payments.responses.partner.TENANT-001"
        let responses = try await withBridge(bridge) {
            try await harness.send(Array(events[..<60]))
            _ = try await harness.read([topic], count: 60)
            try harness.cluster.setAllBrokers(up: false)
            try await Task.sleep(for: .seconds(3))
            try harness.cluster.setAllBrokers(up: true)
            try await harness.send(Array(events[60...]))
            return try await harness.read([topic], timeout: .seconds(60)) { BridgeHarness.eventIds($0).count >= 120 }
        }
        #expect(Set(responses.compactMap { $0.headers.last(named: "eventId")?.stringValue }) == Set(ids))
    }

    @Test("two instances in one group share the partitions and together deliver everything")
    func twoInstances() async throws {
        let harness = try BridgeHarness(inputPartitions: 4)
        let first = try harness.bridge(harness.configuration(transactionalID: "bridge-a"))
        let second = try harness.bridge(harness.configuration(transactionalID: "bridge-b"))
        let (events, ids, _) = BridgeHarness.paymentEvents(count: 80, payments: 16)
        let responses = try await withBridge(first) {
            try await withBridge(second) {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, !(first.readiness.ready && second.readiness.ready) {
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(first.readiness.ready && second.readiness.ready, "both joined the group")
                try await harness.send(events)
                return try await harness.read(["payments.responses.partner.TENANT-001"], timeout: .seconds(60)) {
                    BridgeHarness.eventIds($0).count >= 80
                }
            }
        }
        #expect(Set(responses.compactMap { $0.headers.last(named: "eventId")?.stringValue }) == Set(ids))
    }

    @Test("a second instance joining mid-stream takes over partitions without losing events")
    func rebalanceMidStream() async throws {
        let harness = try BridgeHarness(inputPartitions: 4)
        let (events, ids, expected) = BridgeHarness.paymentEvents(count: 400, payments: 40)
        let first = try harness.bridge(harness.configuration(transactionalID: "bridge-a", maxRecords: 10))
        let second = try harness.bridge(harness.configuration(transactionalID: "bridge-b", maxRecords: 10))
        let topic = "payments.responses.partner.TENANT-001"
        let responses = try await withBridge(first) {
            try await harness.send(Array(events[..<200]))
            try await Task.sleep(for: .milliseconds(200))
            return try await withBridge(second) {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, !second.readiness.ready {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(second.readiness.ready, "the second instance joined while the first was working")
                try await harness.send(Array(events[200...]))
                return try await harness.read([topic], timeout: .seconds(60)) {
                    BridgeHarness.eventIds($0).count >= 400
                }
            }
        }
        #expect(BridgeHarness.eventIds(responses) == Set(ids))
        // Per payment, the first delivery of each event follows the input order.
        for payment in 0..<40 {
            let sent = expected["PAY-\(payment)"] ?? []
            var firstSeen: [String] = []
            for record in responses where text(record.key) == "PAY-\(payment)" {
                let id = record.headers.last(named: "eventId")!.stringValue!
                if !firstSeen.contains(id) { firstSeen.append(id) }
            }
            #expect(firstSeen == sent, "PAY-\(payment)")
        }
    }

    @Test("stopping commits the open transaction: its records are delivered")
    func gracefulStopCommits() async throws {
        let harness = try BridgeHarness()
        var configuration = harness.configuration(maxRecords: 10_000)
        configuration.transactionMaxInterval = .seconds(60)
        let bridge = try harness.bridge(configuration)
        let events = (0..<10).map { (key: "PAY-\($0)", value: internalEvent(paymentId: "PAY-\($0)")) }
        let task = Task { try await bridge.run() }
        try await harness.send(events)
        // Wait until the bridge has read them (they sit in the open transaction).
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline,
            !harness.metricsText().contains("payments_bridge_events_consumed_total 10")
        {
            try await Task.sleep(for: .milliseconds(100))
        }
        task.cancel()
        try await task.value
        let responses = try await harness.read(["payments.responses.partner.TENANT-001"], count: 10)
        #expect(responses.count == 10)
        #expect(harness.metricsText().contains(#"payments_bridge_transactions_total{outcome="committed"} 1"#))
    }
}

@Suite("Bridge under hostile input", .serialized)
struct HostileInputTests {

    @Test(
        "10,000 events, half of them hostile (random bytes, wrong types, huge strings, deep nesting, illegal tenants): every hostile one is dead-lettered with a reason, every valid one delivered"
    )
    func hostileEventsAreDeadLetteredAndValidOnesDelivered() async throws {
        let harness = try BridgeHarness()
        var random = SplitMix(seed: 20_261_126)
        var events: [(key: String, value: [UInt8])] = []
        var hostile: Set<String> = []
        var valid: Set<String> = []
        for index in 0..<10_000 {
            let key = "K-\(index)"
            guard index % 2 == 1 else {
                events.append(
                    (
                        key,
                        internalEvent(
                            paymentId: key, tenantId: index % 4 == 0 ? "TENANT-001" : "TENANT-002",
                            channel: index % 4 == 0 ? "PARTNER" : "WEB")
                    ))
                valid.insert(key)
                continue
            }
            hostile.insert(key)
            let value: [UInt8]
            switch index % 11 {
            case 1, 3:
                value = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            case 5: value = internalEvent(paymentId: key, changes: ["amount": "abc"])
            case 7: value = internalEvent(paymentId: key, changes: ["eventId": 12345, "timestamp": [1, 2]])
            case 9: value = internalEvent(paymentId: key, changes: ["tenantId": ["nested": true]])
            case 0: value = internalEvent(paymentId: key, changes: ["customerId": String(repeating: "Z", count: 5000)])
            case 2:
                value = Array(
                    (String(repeating: "{\"a\":", count: 200) + "1" + String(repeating: "}", count: 200)).utf8)
            case 4: value = internalEvent(paymentId: key, tenantId: "TEN/ANT")
            case 6: value = internalEvent(paymentId: key, tenantId: "TEN ANT\u{0}")
            case 8: value = internalEvent(paymentId: key, changes: ["amount": -5])
            default: value = Array("[\"\u{FFFF}\", 1e999999]".utf8)
            }
            events.append((key, value))
        }
        try await harness.send(events)
        let started = ContinuousClock.now
        let bridge = try harness.bridge(harness.configuration(maxRecords: 1000))
        let (responses, deadLetters) = try await withBridge(bridge) {
            let responses = try await harness.read(
                ["payments.responses.partner.TENANT-001", "payments.responses.web.TENANT-002"],
                count: valid.count, timeout: .seconds(120))
            let deadLetters = try await harness.read(
                ["\(harness.inputTopic).DLT"], count: hostile.count, timeout: .seconds(120))
            return (responses, deadLetters)
        }
        let elapsed = ContinuousClock.now - started
        #expect(Set(responses.compactMap { text($0.key) }) == valid)
        #expect(responses.count == valid.count, "no valid event twice")
        #expect(Set(deadLetters.compactMap { text($0.key) }) == hostile)
        #expect(deadLetters.count == hostile.count)
        let reasons = Dictionary(grouping: deadLetters) {
            $0.headers.last(named: DeadLetterHeader.reason)?.stringValue ?? "none"
        }
        .mapValues(\.count)
        #expect(Set(reasons.keys).isSubset(of: ["invalid_event", "unknown_tenant", "oversized"]))
        #expect(reasons["oversized"] == hostile.filter { Int($0.dropFirst(2))! % 11 == 0 }.count)
        let sent = Dictionary(uniqueKeysWithValues: events.map { ($0.key, $0.value) })
        for record in deadLetters {
            #expect(record.value == text(record.key).flatMap { sent[$0] }, "kept byte for byte")
        }
        figure(
            "hostile input: \(hostile.count) hostile events dead-lettered (\(reasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))), \(valid.count) valid delivered, in \(elapsed)"
        )
    }
}
