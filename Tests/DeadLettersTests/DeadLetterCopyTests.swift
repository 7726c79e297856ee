import DeadLetters
import Kafka
import Testing

/// How a dead letter is made smaller when Kafka refuses it (the bridge's and the sink's ladder).
@Suite("Dead-letter copies")
struct DeadLetterCopyTests {
    let original = ConsumerRecord(
        topic: "payments.events", partition: 2, offset: 7, key: Array("PAY-1".utf8),
        value: Array(repeating: 0x41, count: 2048), headers: [KafkaHeader("eventId", "e-1")],
        timestamp: 1_764_000_000_000)

    func header(_ record: ProducerRecord, _ name: String) -> String? { record.headers.last(named: name)?.stringValue }

    @Test("refusals leave out the value, then the original headers, noting each; then nothing is left to drop")
    func ladder() {
        var copy = DeadLetterCopy(
            of: original, cause: DeadLetterCause(reason: .oversized, error: "too large"),
            consumerGroup: "payments-bridge")
        #expect(copy.record.value == original.value && header(copy.record, "eventId") == "e-1")
        #expect(copy.record.topic == "payments.events.DLT")

        let first = copy.shorten(refusedBecause: "MSG_SIZE_TOO_LARGE")
        #expect(first)
        #expect(copy.record.value == nil && header(copy.record, "eventId") == "e-1")
        #expect(
            header(copy.record, DeadLetterHeader.error)
                == "too large (the original value of 2048 bytes is not kept: MSG_SIZE_TOO_LARGE)")

        let second = copy.shorten(refusedBecause: "again")
        #expect(second)
        #expect(copy.record.value == nil && header(copy.record, "eventId") == nil)
        #expect(header(copy.record, DeadLetterHeader.error)?.hasSuffix("(nor its 1 original headers: again)") == true)
        // The coordinates and the reason remain.
        #expect(header(copy.record, DeadLetterHeader.originalTopic) == "payments.events")
        #expect(header(copy.record, DeadLetterHeader.originalOffset) == "7")
        #expect(header(copy.record, DeadLetterHeader.reason) == "oversized")
        #expect(copy.record.key == Array("PAY-1".utf8))

        let third = copy.shorten(refusedBecause: "still")
        #expect(!third, "nothing left to leave out")
    }

    @Test("a value known to be refused is left out from the start, noted without a reason")
    func valueDroppedUpFront() {
        var copy = DeadLetterCopy(
            of: original, cause: DeadLetterCause(reason: .oversized, error: "refused before"),
            consumerGroup: "g")
        copy.dropValue()
        #expect(copy.record.value == nil)
        #expect(
            header(copy.record, DeadLetterHeader.error)
                == "refused before (the original value of 2048 bytes is not kept)")
        let shortened = copy.shorten(refusedBecause: "x")
        #expect(shortened && header(copy.record, "eventId") == nil, "the headers go next")
    }
}
