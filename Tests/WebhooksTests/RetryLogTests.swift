import Kafka
import Testing

@testable import Webhooks

@Suite struct RetryLogTests {
    @Test func entryKeepsTheOriginalRecordAndItsStateAndReadsBack() throws {
        let original = ConsumerRecord(
            topic: "payments.responses.partner.T1", partition: 2, offset: 41, key: Array("PAY-1".utf8),
            value: [0, 0, 0, 0, 1, 9, 9],
            headers: [
                KafkaHeader("eventId", "e-1"),
                KafkaHeader(name: "empty", value: nil),
            ],
            timestamp: 1_700_000_000_000)
        let pending = PendingDelivery(
            record: original, attempts: 3, skipped: 2, firstAttempt: 100, lastAttempt: 200, due: 300,
            lastError: "HTTP 503", lastStatus: 503)
        let entry = RetryLog.entry(pending, topic: "sink.retries")
        #expect(entry.topic == "sink.retries")
        #expect(entry.key == Array("payments.responses.partner.T1/2/41".utf8))
        let consumed = ConsumerRecord(
            topic: entry.topic, partition: 0, offset: 7, key: entry.key, value: entry.value,
            headers: entry.headers, timestamp: nil)
        let back = try #require(RetryLog.pending(from: consumed))
        #expect(back.record.topic == original.topic)
        #expect(back.record.partition == 2)
        #expect(back.record.offset == 41)
        #expect(back.record.key == original.key)
        #expect(back.record.value == original.value)
        #expect(back.record.headers == original.headers)
        #expect(back.record.timestamp == original.timestamp)
        #expect(
            back.attempts == 3 && back.skipped == 2 && back.firstAttempt == 100 && back.lastAttempt == 200
                && back.due == 300)
        #expect(back.lastError == "HTTP 503" && back.lastStatus == 503)
    }

    @Test func tombstonesResolveEntries() {
        let record = ConsumerRecord(
            topic: "t", partition: 0, offset: 1, key: nil, value: [1], headers: [], timestamp: nil)
        let tombstone = RetryLog.tombstone(PendingDelivery(record: record), topic: "r")
        #expect(tombstone.value == nil)
        #expect(tombstone.key == Array("t/0/1".utf8))
        #expect(
            RetryLog.pending(
                from: ConsumerRecord(
                    topic: "r", partition: 0, offset: 0, key: tombstone.key, value: nil,
                    headers: [], timestamp: nil)) == nil)
    }
}

@Suite struct OffsetWindowTests {
    @Test func commitPositionStopsAtTheFirstUnfinishedRecordAcrossOffsetGaps() {
        var progress = OffsetWindow()
        #expect(progress.commitPosition == nil)
        for offset: Int64 in [10, 11, 13, 15] { progress.read(offset) }  // gaps: transaction markers
        #expect(progress.commitPosition == 10)
        progress.finish(11)
        progress.finish(15)
        #expect(progress.commitPosition == 10)
        progress.finish(10)
        #expect(progress.commitPosition == 13)
        #expect(progress.outstanding == 2)
        progress.finish(13)
        #expect(progress.commitPosition == 16)
        #expect(progress.outstanding == 0)
    }
}
