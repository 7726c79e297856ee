import DeadLetters
import Foundation
import Kafka
import Logging
import TestSupport
import Testing

/// `dlt replay` on the embedded broker: where records may go.
@Suite("Dead-letter replay", .serialized)
struct DeadLetterReplayTests {
    let own = "payments.responses.partner.TENANT-001"
    let other = "payments.responses.partner.TENANT-002"
    var dlt: String { "\(own).DLT" }

    func deadLetter(_ key: String, originalTopic: String?) -> ProducerRecord {
        var headers = [KafkaHeader("eventType", "PaymentCompletedEvent")]
        if let originalTopic { headers.append(KafkaHeader(DeadLetterHeader.originalTopic, originalTopic)) }
        headers.append(KafkaHeader(DeadLetterHeader.reason, "http_status"))
        return ProducerRecord(
            topic: dlt, partition: 0, key: Array(key.utf8), value: bytes("value of \(key)"), headers: headers)
    }

    func entries(_ kafka: KafkaConfiguration) async throws -> [DeadLetterEntry] {
        try await TopicSnapshot.records(dlt, kafka: kafka, logger: quietLogger).map(DeadLetterEntry.init)
    }

    @Test("a DLT record kept without its value is refused, not replayed as an empty record")
    func valuelessDeadLetterIsRefused() async throws {
        let mock = try MockKafka(brokers: 1)
        let kafka = mock.kafka
        try mock.createTopics([own, dlt], partitions: 1)
        var valueless = deadLetter("PAY-BIG", originalTopic: own)
        valueless.value = nil
        try await produceAll([valueless], kafka: kafka)
        let outcome = try await DeadLetterReplay(kafka: kafka, logger: quietLogger).run(
            topic: dlt, entries: try await entries(kafka),
            selection: .all)
        #expect(outcome.published == 0)
        #expect(outcome.refused.first?.contains("kept no value") == true, "\(outcome.refused)")
        #expect(try await TopicSnapshot.records(own, kafka: kafka, logger: quietLogger).isEmpty)
    }

    @Test("a DLT record naming another topic than its DLT's own is refused and reported, never published there")
    func forgedOriginalTopicIsRefused() async throws {
        let mock = try MockKafka(brokers: 1)
        let kafka = mock.kafka
        try mock.createTopics([own, other, dlt], partitions: 1)
        try await produceAll(
            [
                deadLetter("PAY-OK", originalTopic: own),
                deadLetter("PAY-FORGED", originalTopic: other),
                deadLetter("PAY-NONE", originalTopic: nil),
            ], kafka: kafka)

        let outcome = try await DeadLetterReplay(kafka: kafka, logger: quietLogger).run(
            topic: dlt, entries: try await entries(kafka),
            selection: .all)
        #expect(outcome.selected == 3)
        #expect(outcome.published == 1)
        #expect(outcome.refused.count == 2)
        #expect(
            outcome.refused.contains { $0.contains("names '\(other)'") && $0.contains("only to '\(own)'") },
            "\(outcome.refused)")
        #expect(outcome.refused.contains { $0.contains("no dlt.original.topic") }, "\(outcome.refused)")
        let planted = try await TopicSnapshot.records(other, kafka: kafka, logger: quietLogger)
        #expect(planted.isEmpty, "nothing reached the other tenant's topic")
        let back = try await readTopics([own], kafka: kafka, timeout: .seconds(20)) { !$0.isEmpty }
        #expect(back.map { text($0.key) } == ["PAY-OK"])
        #expect(back.first?.headers.last(named: DeadLetterHeader.replayedFrom)?.stringValue == "\(dlt)/0/0")
    }
}
