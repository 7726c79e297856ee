import Foundation
import Kafka
import Payments
import PropertyBased
import TestSupport
import Testing

@testable import PaymentHistory

/// A fresh database file in a temporary directory.
func temporaryStore() throws -> HistoryStore {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
    return try HistoryStore(path: directory.appendingPathComponent("history.sqlite").path)
}

func response(
    _ tenant: String, _ paymentId: String, offset: Int64, type: PaymentEventType, timestamp: Int64, partition: Int32 = 0
) -> ResponseEntry {
    ResponseEntry(
        position: RecordPosition(topic: "payments.responses.partner.\(tenant)", partition: partition, offset: offset),
        tenant: tenant, paymentId: paymentId, eventId: "evt-\(tenant)-\(offset)", eventType: type.rawValue,
        status: (type.status ?? .debited).rawValue, subReason: nil, timestamp: timestamp, writtenAt: timestamp + 5)
}

func attempt(
    _ source: ResponseEntry, number: Int, outcome: DeliveryAttempt.Outcome, status: Int?, at sentAt: Int64,
    logOffset: Int64
) -> AttemptEntry {
    AttemptEntry(
        position: RecordPosition(topic: "sink.attempts", partition: 0, offset: logOffset),
        attempt: DeliveryAttempt(
            tenant: source.tenant, paymentId: source.paymentId, eventId: source.eventId, webhookId: source.eventId,
            attempt: number, sentAt: sentAt, durationMs: 3, outcome: outcome, httpStatus: status,
            errorClass: outcome == .delivered ? nil : .httpStatus, topic: source.position.topic,
            partition: source.position.partition, offset: source.position.offset))
}

/// A batch of `entries` with the positions they reach.
func batch(_ responses: [ResponseEntry], attempts: [AttemptEntry] = []) -> HistoryBatch {
    var batch = HistoryBatch()
    batch.responses = responses
    batch.attempts = attempts
    for entry in responses {
        let partition = TopicPartition(topic: entry.position.topic, partition: entry.position.partition)
        batch.positions[partition] = max(batch.positions[partition] ?? 0, entry.position.offset + 1)
    }
    for entry in attempts {
        let partition = TopicPartition(topic: entry.position.topic, partition: entry.position.partition)
        batch.positions[partition] = max(batch.positions[partition] ?? 0, entry.position.offset + 1)
    }
    return batch
}

@Suite("The payment history's store (SQLite)")
struct HistoryStoreTests {
    @Test func theLatestEventIsThePaymentsStatusAndEveryEventIsItsHistory() async throws {
        let store = try temporaryStore()
        let events = [
            response("abc", "PAY-1", offset: 0, type: .initiated, timestamp: 1_000),
            response("abc", "PAY-1", offset: 1, type: .validated, timestamp: 2_000),
            response("abc", "PAY-1", offset: 2, type: .completed, timestamp: 3_000),
        ]
        // The latest event arrives in an earlier batch than the others: the status stays the latest.
        try await store.apply(batch([events[2]]))
        try await store.apply(batch([events[0], events[1]]))
        let state = try #require(try await store.status(tenant: "abc", paymentId: "PAY-1"))
        #expect(state.status == PaymentStatus.completed.rawValue)
        #expect(state.eventType == PaymentEventType.completed.rawValue)
        #expect(state.updatedAt == 3_000)
        #expect(state.history.map(\.timestamp) == [1_000, 2_000, 3_000])
        #expect(state.delivery == nil)
    }

    @Test func anotherTenantsPaymentIsNotFound() async throws {
        let store = try temporaryStore()
        try await store.apply(batch([response("abc", "PAY-1", offset: 0, type: .initiated, timestamp: 1)]))
        #expect(try await store.status(tenant: "xyz", paymentId: "PAY-1") == nil)
        #expect(try await store.status(tenant: "abc", paymentId: "PAY-2") == nil)
        #expect(try await store.status(tenant: "abc", paymentId: "PAY-1") != nil)
    }

    @Test func deliveryFollowsTheAttemptsOfTheLatestRecord() async throws {
        let store = try temporaryStore()
        let first = response("abc", "PAY-1", offset: 0, type: .initiated, timestamp: 1_000)
        let second = response("abc", "PAY-1", offset: 1, type: .completed, timestamp: 2_000)
        try await store.apply(
            batch(
                [first, second],
                attempts: [
                    attempt(first, number: 1, outcome: .delivered, status: 200, at: 1_100, logOffset: 0),
                    attempt(second, number: 1, outcome: .retryScheduled, status: 503, at: 2_100, logOffset: 1),
                ]))
        var state = try #require(try await store.status(tenant: "abc", paymentId: "PAY-1"))
        #expect(
            state.delivery == DeliverySummary(state: .pending, attempts: 2, lastAttemptAt: 2_100, lastHttpStatus: 503))
        try await store.apply(
            batch([], attempts: [attempt(second, number: 2, outcome: .delivered, status: 204, at: 2_500, logOffset: 2)])
        )
        state = try #require(try await store.status(tenant: "abc", paymentId: "PAY-1"))
        #expect(
            state.delivery == DeliverySummary(state: .delivered, attempts: 3, lastAttemptAt: 2_500, lastHttpStatus: 204)
        )
    }

    @Test func positionsNeverMoveBack() async throws {
        let store = try temporaryStore()
        try await store.apply(batch([response("abc", "PAY-1", offset: 5, type: .initiated, timestamp: 1)]))
        try await store.apply(batch([response("abc", "PAY-1", offset: 2, type: .initiated, timestamp: 1)]))
        let positions = try await store.positions()
        #expect(positions[TopicPartition(topic: "payments.responses.partner.abc", partition: 0)] == 6)
    }

    /// Records split into batches at random, some batches applied again (a crash after the write
    /// and before the position moved on): the view is the same as applying each record once.
    @Test func batchesAppliedAgainChangeNothing() async throws {
        await propertyCheck(count: 30, input: Gen.int(in: 1...40), Gen.int(in: 0...1_000_000)) { count, seed in
            var generator = SplitMix(seed: UInt64(seed))
            var entries: [ResponseEntry] = []
            var attempts: [AttemptEntry] = []
            for offset in 0..<count {
                let payment = "PAY-\(Int.random(in: 1...5, using: &generator))"
                let type = PaymentEventType.allCases.randomElement(using: &generator)!
                let entry = response(
                    "abc", payment, offset: Int64(offset), type: type,
                    timestamp: Int64.random(in: 1...50, using: &generator))
                entries.append(entry)
                if Bool.random(using: &generator) {
                    attempts.append(
                        attempt(
                            entry, number: 1, outcome: Bool.random(using: &generator) ? .delivered : .retryScheduled,
                            status: 200, at: Int64(offset) * 10, logOffset: Int64(attempts.count)))
                }
            }
            let once = try! temporaryStore()
            try! await once.apply(batch(entries, attempts: attempts))
            let replayed = try! temporaryStore()
            var start = 0
            var attemptStart = 0
            while start < entries.count {
                let end = min(entries.count, start + Int.random(in: 1...8, using: &generator))
                let attemptEnd = min(attempts.count, attemptStart + Int.random(in: 0...4, using: &generator))
                let piece = batch(Array(entries[start..<end]), attempts: Array(attempts[attemptStart..<attemptEnd]))
                try! await replayed.apply(piece)
                if Bool.random(using: &generator) { try! await replayed.apply(piece) }
                // A batch that starts again a little earlier (records read again after a restart).
                let back = max(0, start - Int.random(in: 0...3, using: &generator))
                try! await replayed.apply(batch(Array(entries[back..<end])))
                start = end
                attemptStart = attemptEnd
            }
            try! await replayed.apply(batch([], attempts: Array(attempts[attemptStart...])))
            // A stale batch applied once more at the end: nothing it holds is new.
            let staleEnd = Int.random(in: 1...entries.count, using: &generator)
            try! await replayed.apply(batch(Array(entries[0..<staleEnd]), attempts: Array(attempts.prefix(2))))
            for payment in Set(entries.map(\.paymentId)) {
                let expected = try! await once.status(tenant: "abc", paymentId: payment)
                let actual = try! await replayed.status(tenant: "abc", paymentId: payment)
                #expect(actual == expected, "payment \(payment)")
                #expect(try! await once.trace(paymentId: payment) == (try! await replayed.trace(paymentId: payment)))
            }
            let sizes = (try! await once.size(), try! await replayed.size())
            #expect(sizes.0.responses == sizes.1.responses && sizes.0.attempts == sizes.1.attempts)
            #expect(sizes.0.payments == sizes.1.payments)
        }
    }
}
