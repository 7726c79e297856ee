import Foundation
import Kafka
import TestSupport
import Testing
import Timing

/// A million internal events waiting when the service starts, all of them for a partner whose
/// endpoint is dead: a 1M-event input backlog for the bridge, then a 1M-record backlog on a dead
/// endpoint for the sink. The service binary runs as its own process, so its memory is measured
/// alone. On Tansu: librdkafka's mock cluster keeps only the last 5 MiB of each partition, far
/// less than a million events.
@Suite(
    "Reliability: back-pressure and memory", .serialized,
    onCurrentLibrdkafkaOnly)
struct ReliabilityBacklogTests {
    static let events = ProcessInfo.processInfo.environment["BACKLOG_EVENTS"].flatMap { Int($0) } ?? 1_000_000

    /// One in twenty events is hostile: random bytes, 200-deep nesting, a wrong type, an illegal
    /// tenant, or too big (`bridge.maxEventBytes` is 4096 here).
    static func isHostile(_ index: Int) -> Bool { index % 20 == 19 }

    /// An internal event as upstream writes it, built without JSONSerialization (a million of them).
    static func event(_ index: Int, tenant: String) -> (key: [UInt8], value: [UInt8]) {
        let paymentId = "\(tenant)-P\(index / 5)"
        let type = paymentLifecycle[index % paymentLifecycle.count]
        let hex = String(index, radix: 16)
        let eventId = "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
        var amount = "100.5"
        var tenantId = tenant
        var customer = "CUST-9"
        if isHostile(index) {
            switch (index / 20) % 5 {
            case 0:
                return (Array(paymentId.utf8), (0..<(index % 300)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) })
            case 1:
                return (
                    Array(paymentId.utf8),
                    Array((String(repeating: "{\"a\":", count: 200) + "1" + String(repeating: "}", count: 200)).utf8)
                )
            case 2: amount = "\"abc\""
            case 3: tenantId = "TEN/ANT"
            default: customer = String(repeating: "Z", count: 5000)
            }
        }
        let json =
            #"{"amount":\#(amount),"channelType":"PARTNER","correlationId":"corr-\#(paymentId)","#
            + #""creditorAccount":"FR1420041010050500013M02606","currency":"EUR","customerId":"\#(customer)","#
            + #""debtorAccount":"DE89370400440532013000","eventId":"\#(eventId)","eventType":"\#(type)","#
            + #""idempotencyKey":"idem-\#(paymentId)","paymentId":"\#(paymentId)","tenantId":"\#(tenantId)","timestamp":1764000000123}"#
        return (Array(paymentId.utf8), Array(json.utf8))
    }

    @Test(
        "a 1M-event input backlog (5 % hostile) for a dead webhook endpoint: all of it bridged or dead-lettered without a restart, the dead partner's records left waiting in Kafka, memory bounded and flat"
    )
    func millionEventBacklog() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 4)
        let kafka = broker.kafka
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: quietLogger)
        for index in 0..<Self.events {
            let (key, value) = Self.event(index, tenant: "PARTNER-DEAD")
            try await producer.enqueue(ProducerRecord(topic: "payments.events", key: key, value: value), token: 0)
        }
        try await producer.flush(timeout: .seconds(120))
        await producer.close()

        let deadPort = try freeLoopbackPort()  // nothing listens there: every connection is refused
        let adminPort = try freeLoopbackPort()
        let service = try ServiceProcess(
            config: """
                kafka:
                  bootstrapServers: "\(broker.bootstrapServers)"
                  properties: {max.poll.interval.ms: "10000"}
                admin: {listen: "127.0.0.1:\(adminPort)"}
                bridge:
                  maxEventBytes: 4096
                  topics: {replicationFactor: 1}
                tenants:
                  - {id: TENANT-001, channel: partner, delivery: kafka}
                \(webhookTenantYAML("PARTNER-DEAD", url: "http://127.0.0.1:\(deadPort)/hooks", secret: "whsec_ZGVhZC1lbmRwb2ludC1zZWNyZXQ="))
                """, adminPort: adminPort,
            arguments: ProcessInfo.processInfo.environment["BACKLOG_DEBUG"] == nil ? [] : ["--log-level", "debug"])
        defer { service.kill() }
        defer {
            if ProcessInfo.processInfo.environment["BACKLOG_DEBUG"] != nil {
                try? service.log.write(toFile: "/tmp/backlog-service.log", atomically: true, encoding: .utf8)
            }
        }
        do { try await service.waitForReady(timeout: .seconds(60)) } catch {
            Issue.record("\(error); the service's log:\n\(service.log.suffix(3000))")
            return
        }

        // (events bridged, resident MiB) once a second until every event is bridged.
        var samples: [(bridged: Double, resident: Double)] = []
        let started = ContinuousClock.now
        while true {
            let bridged =
                try await service.metric("payments_bridge_responses_produced_total")
                + service.metric("payments_bridge_dead_letters_total", #"source="payments.events""#)
            samples.append((bridged, service.memory.resident))
            if bridged >= Double(Self.events) { break }
            guard
                ContinuousClock.now - started
                    < .seconds(Int64(ProcessInfo.processInfo.environment["BACKLOG_LIMIT"] ?? "400")!)
            else { break }
            try await Task.sleep(for: .seconds(1))
        }
        let elapsed = ContinuousClock.now - started
        try await Task.sleep(for: .seconds(11))  // one more consumer-lag report of the sink
        let sinkLag = try await service.metric("payments_bridge_consumer_lag", #"group="payments-webhook-sink""#)
        let pending = try await service.metric("payments_bridge_webhook_pending", #"tenant="PARTNER-DEAD""#)
        let produced = try await service.metric("payments_bridge_responses_produced_total")
        let deadLetters = try await service.metric("payments_bridge_dead_letters_total", #"source="payments.events""#)
        let sinkDeadLetters = try await service.metric(
            "payments_bridge_dead_letters_total", #"source="payments.responses"#)
        let peak = service.memory.peak
        let curve = stride(from: 1, through: 10, by: 1).compactMap { tenth in
            samples.first { $0.bridged >= Double(Self.events) * Double(tenth) / 10 }.map {
                String(format: "%.0f", $0.resident)
            }
        }.joined(separator: " ")
        #expect(service.terminate() == 0)

        let bridged = samples.last?.bridged ?? 0
        let hostile = (0..<Self.events).filter(Self.isHostile).count
        #expect(bridged == Double(Self.events), "every event was bridged or dead-lettered")
        #expect(produced == Double(Self.events - hostile), "every valid event became a response record")
        #expect(deadLetters == Double(hostile), "every hostile event was dead-lettered")
        #expect(sinkDeadLetters == 0, "nothing is dead-lettered for a partner that is only down")
        // Flat: once the buffers are warm (half the backlog), memory no longer grows with it.
        let early = samples.first { $0.bridged >= Double(Self.events) / 2 }?.resident ?? 0
        let late = samples.last?.resident ?? 0
        #expect(late < early * 1.1 + 16, "resident memory does not grow with the backlog: \(early) MiB → \(late) MiB")
        #expect(peak < 512, "peak resident memory stays bounded: \(peak) MiB")
        // The dead partner's records wait in Kafka, not in the service.
        #expect(
            sinkLag > Double(Self.events - hostile) * 0.95,
            "the sink holds only a window of the dead partner's records (lag \(sinkLag))")
        let rate = bridged / elapsed.inSeconds
        figure("resident MiB at each tenth of the backlog: \(curve)")
        figure(
            String(
                format:
                    "1M-event backlog (%d hostile, dead-lettered) for a dead endpoint, no restart: bridged in %@ (%.0f events/s, debug build); "
                    + "resident %.0f MiB at 50 %%, %.0f MiB at 100 %%, peak %.0f MiB; of the dead partner's %d records "
                    + "%.0f not yet delivered (sink lag), %.0f pending retries held by the service",
                hostile, seconds(elapsed), rate, early, late, peak, Self.events - hostile, sinkLag, pending))
    }
}
