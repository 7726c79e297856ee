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
    @Test("valid events become Avro records on the tenant's topic; bad ones are dead-lettered with a reason; internal types are skipped")
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
                    events.append((paymentId, internalEvent(paymentId: paymentId, tenantId: tenant, type: type, eventId: id,
                                                            channel: channel)))
                }
            }
        }
        let bad: [(key: String, value: [UInt8], reason: String)] = [
            ("BAD-1", Array("{not json".utf8), "invalid_event"),
            ("BAD-2", internalEvent(paymentId: "BAD-2", changes: ["currency": nil]), "invalid_event"),
            ("BAD-3", internalEvent(paymentId: "BAD-3", tenantId: "STRANGER"), "unknown_tenant"),
            ("BAD-4", internalEvent(paymentId: "BAD-4", changes: ["metadata": ["blob": String(repeating: "x", count: 3000)]]), "oversized"),
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
            let deadLetters = try await harness.read([dlt], count: 4)
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
            let delivered = responses.filter { text($0.key) == paymentId }.compactMap { $0.headers.last(named: "eventId")?.stringValue }
            #expect(delivered == ids, "\(paymentId)")
        }

        #expect(deadLetters.count == 4)
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
        #expect(metrics.contains("payments_bridge_events_consumed_total 30"))
        #expect(metrics.contains(#"payments_bridge_responses_produced_total{channel="partner",tenant="TENANT-001"} 15"#))
        #expect(metrics.contains(#"payments_bridge_responses_produced_total{channel="web",tenant="TENANT-002"} 10"#))
        #expect(metrics.contains(#"payments_bridge_events_skipped_total{event_type="RoutingDeterminedEvent"} 1"#))
        #expect(metrics.contains(#"reason="unknown_tenant""#))
        #expect(metrics.contains(#"payments_bridge_transactions_total{outcome="committed"}"#))
        #expect(metrics.contains(#"payments_bridge_consumer_lag{group="\#(harness.group)",topic="\#(harness.inputTopic)",partition="0"}"#))
    }

    @Test("errors injected on Produce, AddPartitionsToTxn and EndTxn lose nothing; duplicates are whole re-sent records")
    func injectedErrors() async throws {
        let harness = try BridgeHarness(brokers: 1)
        let ids = (0..<300).map { _ in UUID().uuidString.lowercased() }
        let events = ids.enumerated().map { index, id in
            (key: "PAY-\(index % 30)", value: internalEvent(paymentId: "PAY-\(index % 30)", eventId: id))
        }
        try await harness.send(events)
        let bridge = try harness.bridge(harness.configuration(maxRecords: 20))
        let topic = "payments.responses.partner.TENANT-001"
        // The input is all written: the next requests of these kinds are the bridge's.
        harness.cluster.failNextRequests(.produce, with: [.notLeaderForPartition, .messageTooLarge])
        harness.cluster.failNextRequests(.addPartitionsToTxn, with: [.concurrentTransactions, .coordinatorLoadInProgress])
        harness.cluster.failNextRequests(.endTxn, with: [.notCoordinator, .coordinatorNotAvailable])
        let responses = try await withBridge(bridge) {
            try await harness.read([topic], timeout: .seconds(60)) { BridgeHarness.eventIds($0).count >= 300 }
        }
        let delivered = responses.compactMap { $0.headers.last(named: "eventId")?.stringValue }
        let missing = ids.enumerated().filter { !Set(delivered).contains($0.element) }.map(\.offset)
        #expect(missing.isEmpty, "every event reached the partner topic; missing indexes \(missing)")
        // The mock shows aborted records to readers; a duplicate must be the same record.
        var seen: [String: [UInt8]] = [:]
        for record in responses {
            let id = record.headers.last(named: "eventId")!.stringValue!
            if let earlier = seen[id] { #expect(earlier == record.value!, "duplicate \(id) differs") }
            seen[id] = record.value
        }
    }

    @Test("all brokers down mid-stream: the bridge waits, recovers and loses nothing")
    func brokersDown() async throws {
        let harness = try BridgeHarness()
        let ids = (0..<120).map { _ in UUID().uuidString.lowercased() }
        let events = ids.enumerated().map { index, id in
            (key: "PAY-\(index % 12)", value: internalEvent(paymentId: "PAY-\(index % 12)", eventId: id))
        }
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
        let ids = (0..<80).map { _ in UUID().uuidString.lowercased() }
        let events = ids.enumerated().map { index, id in
            (key: "PAY-\(index % 16)", value: internalEvent(paymentId: "PAY-\(index % 16)", eventId: id))
        }
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
        let ids = (0..<400).map { _ in UUID().uuidString.lowercased() }
        let events = ids.enumerated().map { index, id in
            (key: "PAY-\(index % 40)", value: internalEvent(paymentId: "PAY-\(index % 40)", eventId: id))
        }
        let first = try harness.bridge(harness.configuration(transactionalID: "bridge-a", maxRecords: 10))
        let second = try harness.bridge(harness.configuration(transactionalID: "bridge-b", maxRecords: 10))
        let topic = "payments.responses.partner.TENANT-001"
        let responses = try await withBridge(first) {
            try await harness.send(Array(events[..<200]))
            try await Task.sleep(for: .milliseconds(200))
            return try await withBridge(second) {
                let deadline = ContinuousClock.now + .seconds(30)
                while ContinuousClock.now < deadline, !second.readiness.ready { try await Task.sleep(for: .milliseconds(50)) }
                #expect(second.readiness.ready, "the second instance joined while the first was working")
                try await harness.send(Array(events[200...]))
                return try await harness.read([topic], timeout: .seconds(60)) { BridgeHarness.eventIds($0).count >= 400 }
            }
        }
        #expect(BridgeHarness.eventIds(responses) == Set(ids))
        // Per payment, the first delivery of each event follows the input order.
        for payment in 0..<40 {
            let sent = ids.enumerated().filter { $0.offset % 40 == payment }.map(\.element)
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
        while ContinuousClock.now < deadline, !harness.metricsText().contains("payments_bridge_events_consumed_total 10") {
            try await Task.sleep(for: .milliseconds(100))
        }
        task.cancel()
        try await task.value
        let responses = try await harness.read(["payments.responses.partner.TENANT-001"], count: 10)
        #expect(responses.count == 10)
        #expect(harness.metricsText().contains(#"payments_bridge_transactions_total{outcome="committed"} 1"#))
    }
}
