import Avro
import DeadLetters
import Foundation
import Kafka
import Payments
import Prometheus
import TestSupport
import Testing

@testable import PaymentHistory
@testable import ResponseCodec

/// An embedded cluster with response topics, their DLTs and an attempt log, and a registry that
/// knows the PaymentResponse schema.
struct HistoryHarness {
    let mock: MockKafka
    var kafka: KafkaConfiguration { mock.kafka }
    let schema: AvroSchema
    let schemaID: Int32
    let registry = EmbeddedSchemaRegistry()
    let attemptTopic = uniqueTopic("sink") + ".attempts"
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")

    init() throws {
        mock = try MockKafka(brokers: 1, clientID: "history-tests")
        schema = try AvroSchema(json: paymentResponseSchemaText())
        schemaID = try registry.register(schema)
        try mock.createTopics([attemptTopic], partitions: 2)
    }

    var path: String { directory.appendingPathComponent("history.sqlite").path }

    func tenant(partitions: Int = 2) throws -> String {
        let tenant = uniqueTopic("T").replacingOccurrences(of: "_", with: "-")
        try mock.createTopics([topic(tenant), PaymentTopics.deadLetter(of: topic(tenant))], partitions: partitions)
        return tenant
    }

    func topic(_ tenant: String) -> String { PaymentTopics.responses(channel: .partner, tenantId: tenant) }

    func response(_ tenant: String, _ paymentId: String, _ type: PaymentEventType, at timestamp: Int64)
        -> PaymentResponse
    {
        PaymentResponse(
            eventId: UUID().uuidString.lowercased(), eventType: type, paymentId: paymentId, tenantId: tenant,
            customerId: "CUST-1", status: type.status ?? .debited, amount: 10, currency: "EUR", debtorAccount: "DE89",
            creditorAccount: "FR14", clearingSystem: nil, clearingReference: nil, failureReason: nil, failureCode: nil,
            timestamp: timestamp, correlationId: "corr-\(paymentId)", idempotencyKey: "idem-\(paymentId)",
            metadata: [:],
            channel: .partner)
    }

    func write(_ responses: [PaymentResponse]) async throws {
        try await produceAll(
            try responses.map {
                ProducerRecord(
                    topic: topic($0.tenantId), key: Array($0.paymentId.utf8),
                    value: try schema.encodeFramed($0.avroValue(), schemaID: schemaID))
            }, kafka: kafka)
    }

    func ingest(_ store: HistoryStore, metrics: PrometheusCollectorRegistry = .init()) throws -> HistoryIngest {
        var configuration = HistoryIngest.Configuration(attemptTopic: attemptTopic)
        configuration.discoveryInterval = .milliseconds(300)
        configuration.lagInterval = .milliseconds(300)
        return try HistoryIngest(
            store: store, configuration: configuration, kafka: kafka,
            decoder: PaymentResponseDecoder(registry: registry),
            metricsFactory: PrometheusMetricsFactory(registry: metrics), logger: quietLogger)
    }
}

/// Runs the ingest while `body` runs, then stops it.
func whileIngesting<T: Sendable>(_ ingest: HistoryIngest, _ body: @Sendable () async throws -> T) async throws -> T {
    try await whileRunning({ try await ingest.run() }, body)
}

@Suite("The payment history follows the response topics, their DLTs and the attempt log")
struct HistoryIngestTests {
    @Test func statusesHistoriesDeadLettersAndAttemptsArriveAndSurviveARestart() async throws {
        let harness = try HistoryHarness()
        let (a, b) = (try harness.tenant(), try harness.tenant())
        let pay1 = [
            harness.response(a, "PAY-1", .initiated, at: 1_000), harness.response(a, "PAY-1", .validated, at: 2_000),
            harness.response(a, "PAY-1", .completed, at: 3_000),
        ]
        try await harness.write(pay1 + [harness.response(b, "PAY-1", .failed, at: 1_500)])
        try await produceAll(
            [
                ProducerRecord(
                    topic: PaymentTopics.deadLetter(of: harness.topic(a)), key: Array("PAY-9".utf8), value: [1, 2],
                    headers: [
                        KafkaHeader(DeadLetterHeader.reason, "retries_exhausted"),
                        KafkaHeader(DeadLetterHeader.error, "HTTP 503"),
                        KafkaHeader(DeadLetterHeader.httpStatus, "503"),
                        KafkaHeader(DeadLetterHeader.originalTopic, harness.topic(a)),
                        KafkaHeader(DeadLetterHeader.originalPartition, "0"),
                        KafkaHeader(DeadLetterHeader.originalOffset, "7"),
                    ]),
                ProducerRecord(
                    topic: harness.attemptTopic, key: Array("PAY-1".utf8),
                    value: DeliveryAttempt(
                        tenant: a, paymentId: "PAY-1", eventId: pay1[2].eventId, webhookId: pay1[2].eventId,
                        attempt: 1, sentAt: 3_100, durationMs: 4, outcome: .delivered, httpStatus: 200,
                        topic: harness.topic(a), partition: 0, offset: 0
                    ).encoded()),
                // Not a response: left out, counted, and the stream goes on.
                ProducerRecord(topic: harness.topic(b), key: Array("PAY-X".utf8), value: Array("garbage".utf8)),
            ], kafka: harness.kafka)
        try await harness.write([harness.response(b, "PAY-2", .initiated, at: 4_000)])

        let store = try HistoryStore(path: harness.path)
        let metrics = PrometheusCollectorRegistry()
        try await whileIngesting(try harness.ingest(store, metrics: metrics)) {
            _ = try await waitUntil("all in the view") {
                guard let size = try? await store.size(), let dead = try? await store.trace(paymentId: "PAY-9") else {
                    return false
                }
                return size.responses == 5 && size.attempts == 1 && dead.deadLetters.count == 1
            }
        }
        let first = try #require(try await store.status(tenant: a, paymentId: "PAY-1"))
        #expect(first.status == "COMPLETED")
        #expect(first.history.map(\.eventType) == ["PAYMENT_INITIATED", "PAYMENT_VALIDATED", "PAYMENT_COMPLETED"])
        let other = try #require(try await store.status(tenant: b, paymentId: "PAY-1"))
        #expect(other.status == "FAILED")
        let trace = try await store.trace(paymentId: "PAY-1")
        #expect(trace.records.count == 4)
        #expect(trace.attempts.map(\.attempt.outcome) == [.delivered])
        let dead = try await store.trace(paymentId: "PAY-9").deadLetters
        #expect(dead.map(\.reason) == ["retries_exhausted"])
        #expect(dead.first?.original == RecordPosition(topic: harness.topic(a), partition: 0, offset: 7))
        #expect(dead.first?.httpStatus == 503)
        #expect(try await store.status(tenant: b, paymentId: "PAY-X") == nil)
        var text: [UInt8] = []
        metrics.emit(into: &text)
        #expect(String(decoding: text, as: UTF8.self).contains("payments_bridge_history_skipped_total"))

        // Restarted on the same file: it resumes where it stopped, nothing doubled.
        let before = try await store.size()
        try await harness.write([harness.response(a, "PAY-1", .cancelled, at: 5_000)])
        try await whileIngesting(try harness.ingest(store)) {
            _ = try await waitUntil("the new event in the view") {
                (try? await store.status(tenant: a, paymentId: "PAY-1"))?.status == "CANCELLED"
            }
        }
        let after = try await store.size()
        #expect(after.responses == before.responses + 1)
        #expect(after.attempts == before.attempts)

        // The file deleted: rebuilt from Kafka.
        let rebuilt = try HistoryStore(path: harness.directory.appendingPathComponent("again.sqlite").path)
        try await whileIngesting(try harness.ingest(rebuilt)) {
            _ = try await waitUntil("rebuilt") { (try? await rebuilt.size().responses) == after.responses }
        }
        #expect(
            try await rebuilt.status(tenant: a, paymentId: "PAY-1")
                == (try await store.status(tenant: a, paymentId: "PAY-1")))
        #expect(try await rebuilt.trace(paymentId: "PAY-9") == (try await store.trace(paymentId: "PAY-9")))
    }

    @Test func aTenantAddedWhileRunningIsFollowedAndTheLagReturnsToZero() async throws {
        let harness = try HistoryHarness()
        let store = try HistoryStore(path: harness.path)
        let ingest = try harness.ingest(store)
        try await whileIngesting(ingest) {
            _ = try await waitUntil("lag measured") { ingest.lag == 0 }
            let later = try harness.tenant()
            try await harness.write((0..<50).map { harness.response(later, "PAY-\($0)", .initiated, at: Int64($0)) })
            _ = try await waitUntil("the new tenant's payments in the view") {
                (try? await store.size().payments) == 50
            }
            _ = try await waitUntil("lag back to zero") { ingest.lag == 0 }
        }
    }
}
