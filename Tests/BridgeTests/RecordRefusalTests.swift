import DeadLetters
import Foundation
import Kafka
import Payments
import TestSupport
import Testing

@testable import Bridge

/// Records Kafka refuses to take (too large for librdkafka or the topic): the event is
/// dead-lettered `oversized` and its partition goes on, instead of a transaction that fails
/// every time the event is read again.
@Suite("Bridge: records Kafka refuses", .serialized)
struct RecordRefusalTests {
    let partnerTopic = "payments.responses.partner.TENANT-001"

    /// The bridge as shipped: the parser's default 1 MiB limit and the matching record limit.
    func shippedLimits(_ harness: BridgeHarness) -> BridgeService.Configuration {
        var configuration = harness.configuration(maxRecords: 20)
        configuration.parser = PaymentEventParser(maxEventBytes: 1_048_576, knownTenants: ["TENANT-001", "TENANT-002"])
        configuration.maxRecordBytes = 1_048_576 + 65_536
        return configuration
    }

    @Test(
        "an event one byte under the default size limit, and a response near it, do not stop the partition: ordinary traffic behind them flows"
    )
    func eventsNearTheSizeLimit() async throws {
        let harness = try BridgeHarness(brokers: 1, inputPartitions: 1)
        // Not JSON: dead-lettered invalid_event, its copy (the whole value and the dlt.*
        // headers) over librdkafka's default 1,000,000-byte limit.
        let hugeInvalid = [UInt8](repeating: UInt8(ascii: "x"), count: 1_048_575)
        // Valid, with a metadata value that makes its Avro response about 1,040,000 bytes.
        let bigValid = internalEvent(
            paymentId: "PAY-BIG", changes: ["metadata": ["note": String(repeating: "n", count: 1_040_000)]])
        #expect(bigValid.count < 1_048_576)
        let (ordinary, ids, _) = BridgeHarness.paymentEvents(count: 50, payments: 5)
        // Upstream writes events this large (its own message.max.bytes raised to fit them).
        var upstream = harness.kafka
        upstream.properties["message.max.bytes"] = "2000000"
        try await produceAll(
            ([(key: "PAY-HUGE", value: hugeInvalid), (key: "PAY-BIG", value: bigValid)] + ordinary).map {
                ProducerRecord(topic: harness.inputTopic, key: Array($0.key.utf8), value: $0.value)
            }, kafka: upstream)

        let bridge = try harness.bridge(shippedLimits(harness))
        let dlt = "\(harness.inputTopic).DLT"
        let (responses, deadLetters) = try await withBridge(bridge) {
            let responses = try await harness.read([partnerTopic], timeout: .seconds(60)) {
                BridgeHarness.eventIds($0).count >= 51
            }
            return (responses, try await harness.read([dlt], count: 1, timeout: .seconds(60)))
        }
        #expect(
            BridgeHarness.eventIds(responses).isSuperset(of: ids),
            "the ordinary events behind the large ones were answered")
        let big = try #require(responses.first { text($0.key) == "PAY-BIG" }, "the large valid event was answered")
        #expect((big.value?.count ?? 0) > 1_000_000)
        let copy = try #require(deadLetters.first)
        #expect(copy.headers.last(named: DeadLetterHeader.reason)?.stringValue == "invalid_event")
        #expect(copy.value == hugeInvalid, "the dead-letter copy keeps the whole event")
    }

    @Test(
        "a response larger than the producer's record limit dead-letters its event oversized, without holding the partition"
    )
    func aResponseOverTheRecordLimit() async throws {
        let harness = try BridgeHarness(brokers: 1, inputPartitions: 1)
        var configuration = shippedLimits(harness)
        configuration.parser = PaymentEventParser(maxEventBytes: 200_000, knownTenants: ["TENANT-001"])
        configuration.maxRecordBytes = 100_000  // lower than a response can be: only a bad deployment does this
        let tooBig = internalEvent(
            paymentId: "PAY-BIG", changes: ["metadata": ["note": String(repeating: "n", count: 150_000)]])
        let (ordinary, ids, _) = BridgeHarness.paymentEvents(count: 20, payments: 4)
        try await harness.send([(key: "PAY-BIG", value: tooBig)] + ordinary)

        let bridge = try harness.bridge(configuration)
        let (responses, deadLetters) = try await withBridge(bridge) {
            let responses = try await harness.read([partnerTopic], timeout: .seconds(60)) {
                BridgeHarness.eventIds($0).count >= 20
            }
            return (responses, try await harness.read(["\(harness.inputTopic).DLT"], count: 1, timeout: .seconds(20)))
        }
        #expect(BridgeHarness.eventIds(responses) == Set(ids))
        let copy = try #require(deadLetters.first)
        #expect(copy.headers.last(named: DeadLetterHeader.reason)?.stringValue == "oversized")
        let error = copy.headers.last(named: DeadLetterHeader.error)?.stringValue ?? ""
        #expect(error.contains("refused the response"), "\(error)")
        // The copy (150 kB) is over the limit too: it is kept without its value.
        #expect(copy.value == nil)
        #expect(error.contains("not kept"), "\(error)")
        #expect(harness.metricsText().contains(#"reason="oversized""#))
    }

    @Test(
        "an event whose own headers make every dead-letter copy too large is dead-lettered with its coordinates and reason only"
    )
    func headersTooLargeForAnyCopy() async throws {
        let harness = try BridgeHarness(brokers: 1, inputPartitions: 1)
        var upstream = harness.kafka
        upstream.properties["message.max.bytes"] = "3000000"
        let bigHeader = KafkaHeader(name: "trace", value: [UInt8](repeating: UInt8(ascii: "h"), count: 1_200_000))
        let (ordinary, ids, _) = BridgeHarness.paymentEvents(count: 10, payments: 2)
        try await produceAll(
            [
                ProducerRecord(
                    topic: harness.inputTopic, key: bytes("PAY-H"), value: bytes("{not json"), headers: [bigHeader])
            ]
                + ordinary.map { ProducerRecord(topic: harness.inputTopic, key: Array($0.key.utf8), value: $0.value) },
            kafka: upstream)
        let bridge = try harness.bridge(shippedLimits(harness))
        let (responses, deadLetters) = try await withBridge(bridge) {
            let responses = try await harness.read([partnerTopic], timeout: .seconds(60)) {
                BridgeHarness.eventIds($0).count >= 10
            }
            return (responses, try await harness.read(["\(harness.inputTopic).DLT"], count: 1, timeout: .seconds(20)))
        }
        #expect(BridgeHarness.eventIds(responses) == Set(ids), "the events behind it were answered")
        let copy = try #require(deadLetters.first)
        #expect(copy.headers.last(named: DeadLetterHeader.reason)?.stringValue == "invalid_event")
        #expect(copy.headers.last(named: "trace") == nil && copy.value == nil)
        #expect(copy.headers.last(named: DeadLetterHeader.originalOffset)?.stringValue == "0")
        let error = copy.headers.last(named: DeadLetterHeader.error)?.stringValue ?? ""
        #expect(error.contains("not kept") && error.contains("original headers"), "\(error)")
    }

    @Test(
        "a record the broker refuses fails its transaction once: the transaction's records are retried one by one and the refused one is dead-lettered oversized"
    )
    func aRecordTheBrokerRefuses() async throws {
        let harness = try BridgeHarness(brokers: 1, inputPartitions: 1)
        let (events, ids, expected) = BridgeHarness.paymentEvents(count: 60, payments: 6)
        try await harness.send(events)
        var configuration = harness.configuration(maxRecords: 20)
        // One partition: one Produce request per transaction (created before the reader below
        // could have the embedded broker create it with more).
        configuration.partitions = [.partner: 1]
        configuration.producerLinger = .milliseconds(200)  // however slow the machine, 20 records in one request
        try harness.cluster.createTopic(partnerTopic, partitions: 1)
        let bridge = try harness.bridge(configuration)
        // The next two Produce requests fail "too large": the first transaction's, and then
        // the one of the first record tried alone.
        harness.cluster.failNextRequests(.produce, with: [.messageTooLarge, .messageTooLarge])
        let (responses, deadLetters) = try await withBridge(bridge) {
            let responses = try await harness.read([partnerTopic], timeout: .seconds(60)) {
                BridgeHarness.eventIds($0).count >= 59
            }
            // The first dead letter, then 5 s more from when this reader has it: a second one
            // would show there. (One reader: a second reader's own start-up, slow on a busy
            // machine, would eat into those 5 s.)
            var firstSeen: ContinuousClock.Instant?
            let deadLetters = try await harness.read(["\(harness.inputTopic).DLT"], timeout: .seconds(65)) { records in
                guard records.count < 2 else { return true }
                guard !records.isEmpty else { return false }
                let seen = firstSeen ?? .now
                firstSeen = seen
                return ContinuousClock.now - seen >= .seconds(5)
            }
            return (responses, deadLetters)
        }
        let refused = try #require(deadLetters.first, "the record refused twice was dead-lettered")
        #expect(refused.headers.last(named: DeadLetterHeader.reason)?.stringValue == "oversized")
        let error = refused.headers.last(named: DeadLetterHeader.error)?.stringValue ?? ""
        #expect(error.contains("MSG_SIZE_TOO_LARGE"), "\(error)")
        #expect(refused.value != nil, "the dead-letter copy itself was taken, with the event")
        let event = try #require(try JSONSerialization.jsonObject(with: Data(refused.value ?? [])) as? [String: Any])
        let refusedID = try #require(event["eventId"] as? String)
        let answered = BridgeHarness.eventIds(responses)
        #expect(answered.union([refusedID]) == Set(ids), "every other event was answered")
        #expect(deadLetters.count == 1, "only the record refused alone was dead-lettered")
        var expectedWithout = expected
        for (payment, list) in expectedWithout { expectedWithout[payment] = list.filter { $0 != refusedID } }
        let audit = DeliveryAudit(
            expected: expectedWithout,
            records: responses.filter {
                $0.headers.last(named: "eventId")?.stringValue != refusedID
            })
        #expect(audit.holds, "\(audit.summary)")
    }
}

@Suite("Record refusals (unit)")
struct RecordRefusalsUnitTests {
    let refusal = KafkaError(code: .messageTooLarge, message: "Broker: Message size is larger than the topic allows")

    func record(_ partition: Int32, _ offset: Int64) -> ConsumerRecord {
        ConsumerRecord(
            topic: "in", partition: partition, offset: offset, key: nil, value: [1], headers: [], timestamp: nil)
    }

    func range(_ partition: Int32, _ first: Int64, _ next: Int64) -> ConsumedRange {
        ConsumedRange(topic: "in", partition: partition, first: first, next: next)
    }

    @Test(
        "a failed transaction of many records isolates exactly its records; one of a single record marks it, then its copy without value, then gives up"
    )
    func isolationThenMarking() {
        var refusals = RecordRefusals()
        refusals.transactionFailed(records: 7, ranges: [range(0, 10, 15), range(1, 3, 5)], error: refusal)
        #expect(refusals.isolates(record(0, 14)) && refusals.isolates(record(1, 4)))
        #expect(
            !refusals.isolates(record(0, 15)) && !refusals.isolates(record(1, 5)) && !refusals.isolates(record(2, 0)))
        #expect(refusals.refusal(of: record(0, 10)) == nil, "nothing is dead-lettered before the record is known")

        let marked = refusals.transactionFailed(records: 1, ranges: [range(0, 12, 13)], error: refusal)
        #expect(marked)
        #expect(refusals.refusal(of: record(0, 12))?.withoutValue == false)
        #expect(refusals.refusal(of: record(0, 12))?.error.contains("MSG_SIZE_TOO_LARGE") == true)
        let markedAgain = refusals.transactionFailed(records: 1, ranges: [range(0, 12, 13)], error: refusal)
        #expect(markedAgain)
        #expect(refusals.refusal(of: record(0, 12))?.withoutValue == true)
        let third = refusals.transactionFailed(records: 1, ranges: [range(0, 12, 13)], error: refusal)
        #expect(!third, "nothing smaller to write")
    }

    @Test("commits end isolation where it is passed and drop dead-lettered marks; revoked partitions are forgotten")
    func commitsAndRevokes() {
        var refusals = RecordRefusals()
        refusals.transactionFailed(records: 5, ranges: [range(0, 10, 15)], error: refusal)
        refusals.transactionFailed(records: 1, ranges: [range(0, 10, 11)], error: refusal)
        refusals.committed([range(0, 10, 11)])
        #expect(refusals.refusal(of: record(0, 10)) == nil)
        #expect(refusals.isolates(record(0, 11)), "isolation goes on to the end of the failed transaction")
        refusals.committed([range(0, 11, 15)])
        #expect(!refusals.isolates(record(0, 14)))
        #expect(refusals.isEmpty)
        refusals.transactionFailed(records: 3, ranges: [range(1, 0, 3)], error: refusal)
        refusals.forget([TopicPartition(topic: "in", partition: 1)])
        #expect(refusals.isEmpty)
    }
}
