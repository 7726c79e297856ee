import Kafka
import Logging
import Payments

/// Sends a tenant's response records of a time window again: each record (key, value and
/// headers byte for byte, so the sink delivers it with its original `webhook-id`) is copied to
/// the end of its own topic with `resend.from: <topic>/<partition>/<offset>`, in offset order, so
/// per payment the copies keep their order. Idempotent: each original is noted in the resend
/// ledger (`payments-bridge.resent`, compacted) in the same transaction as its copy, and a
/// record in the ledger is not copied again. Copies are never copied again themselves.
public struct ResponseResend: Sendable {
    /// The header a copy carries: where its original is.
    public static let resentFrom = "resend.from"
    public static let ledger = "payments-bridge.resent"

    public struct Outcome: Sendable, Equatable {
        /// Records of the window, per topic partition as `topic/partition`: `first…last` offsets.
        public var ranges: [String: ClosedRange<Int64>] = [:]
        public var selected = 0
        public var published = 0
        /// Selected, but resent before.
        public var alreadyResent = 0
    }

    public let kafka: KafkaConfiguration
    public let maxRecordBytes: Int?
    public let logger: Logger

    public init(kafka: KafkaConfiguration, maxRecordBytes: Int? = nil, logger: Logger) {
        self.kafka = kafka
        self.maxRecordBytes = maxRecordBytes
        self.logger = logger
    }

    /// The tenant's response topics (one per channel it has been on).
    public func topics(of tenant: String) async throws -> [String] {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        return try await admin.listTopics().filter { topic in
            PaymentTopics.source(ofDeadLetter: topic) == nil
                && PaymentTopics.route(ofResponses: topic)?.tenant == tenant
        }.sorted()
    }

    /// Resends the tenant's records written from `since` until before `until` (milliseconds since
    /// the epoch); with `dryRun`, only says what it would send.
    public func run(
        tenant: String, since: Int64, until: Int64, dryRun: Bool, progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Outcome {
        var outcome = Outcome()
        var items: [(key: String, record: ProducerRecord)] = []
        for topic in try await topics(of: tenant) {
            try await TopicSnapshot.read(topic, since: since, until: until, kafka: kafka, logger: logger) { record in
                guard record.headers.last(named: Self.resentFrom) == nil, let value = record.value else { return }
                let coordinates = "\(record.topic)/\(record.partition)/\(record.offset)"
                var headers = record.headers
                headers.append(KafkaHeader(Self.resentFrom, coordinates))
                items.append(
                    (coordinates, ProducerRecord(topic: record.topic, key: record.key, value: value, headers: headers)))
                let partition = "\(record.topic)/\(record.partition)"
                let range = outcome.ranges[partition]
                outcome.ranges[partition] =
                    min(
                        range?.lowerBound ?? record.offset, record.offset)...max(
                        range?.upperBound ?? record.offset, record.offset)
            }
        }
        outcome.selected = items.count
        guard !dryRun else { return outcome }
        let published = try await LedgeredPublisher(kafka: kafka, maxRecordBytes: maxRecordBytes, logger: logger)
            .publish(items, ledger: Self.ledger, transactionalID: "payments-bridge-resend", progress: progress)
        outcome.published = published.published
        outcome.alreadyResent = published.already
        return outcome
    }
}
