import Payments
import Timing

/// A payment's trace for operators (`GET /admin/payments/{paymentId}`, `payments-bridge trace`):
/// every response record with where it is, every webhook attempt with its answer, every dead
/// letter with its reason; times in ISO-8601.
public struct TraceDocument: Codable, Sendable, Equatable {
    public struct Record: Codable, Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
        public var tenant: String
        public var eventId: String
        public var eventType: String
        public var status: String
        public var subReason: String?
        public var timestamp: String
        public var writtenAt: String?
    }

    public struct Attempt: Codable, Sendable, Equatable {
        public var tenant: String
        public var webhookId: String
        public var attempt: Int
        public var sentAt: String
        public var durationMs: Int64
        public var outcome: String
        public var httpStatus: Int?
        public var errorClass: String?
        public var error: String?
        public var responseBody: String?
        /// The response record it was about.
        public var topic: String
        public var partition: Int32
        public var offset: Int64
    }

    public struct DeadLetter: Codable, Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
        public var tenant: String
        public var reason: String
        public var error: String?
        public var httpStatus: Int?
        public var attempts: Int?
        public var at: String?
        public var originalTopic: String?
        public var originalPartition: Int32?
        public var originalOffset: Int64?
    }

    public var paymentId: String
    public var records: [Record]
    public var attempts: [Attempt]
    public var deadLetters: [DeadLetter]

    public init(_ trace: PaymentTrace) {
        paymentId = trace.paymentId
        records = trace.records.map {
            Record(
                topic: $0.position.topic, partition: $0.position.partition, offset: $0.position.offset,
                tenant: $0.tenant, eventId: $0.eventId, eventType: $0.eventType, status: $0.status,
                subReason: $0.subReason, timestamp: ISO8601.string(milliseconds: $0.timestamp),
                writtenAt: $0.writtenAt.map { ISO8601.string(milliseconds: $0) })
        }
        attempts = trace.attempts.map(\.attempt).map {
            Attempt(
                tenant: $0.tenant, webhookId: $0.webhookId, attempt: $0.attempt,
                sentAt: ISO8601.string(milliseconds: $0.sentAt), durationMs: $0.durationMs,
                outcome: $0.outcome.rawValue, httpStatus: $0.httpStatus, errorClass: $0.errorClass?.rawValue,
                error: $0.error, responseBody: $0.responseBody, topic: $0.topic, partition: $0.partition,
                offset: $0.offset)
        }
        deadLetters = trace.deadLetters.map {
            DeadLetter(
                topic: $0.position.topic, partition: $0.position.partition, offset: $0.position.offset,
                tenant: $0.tenant, reason: $0.reason, error: $0.error, httpStatus: $0.httpStatus,
                attempts: $0.attempts, at: $0.at.map { ISO8601.string(milliseconds: $0) },
                originalTopic: $0.original?.topic, originalPartition: $0.original?.partition,
                originalOffset: $0.original?.offset)
        }
    }

    /// Nothing is known about the payment.
    public var isEmpty: Bool { records.isEmpty && attempts.isEmpty && deadLetters.isEmpty }
}
