import DeadLetters
import Kafka
import Payments

/// Where a record was read: a topic partition and offset.
public struct RecordPosition: Sendable, Hashable, Codable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// One response record as the view keeps it: what happened to a payment, and where it was sent.
public struct ResponseEntry: Sendable, Equatable, Codable {
    public var position: RecordPosition
    public var tenant: String
    public var paymentId: String
    public var eventId: String
    public var eventType: String
    public var status: String
    public var subReason: String?
    /// The event's time, milliseconds since the epoch.
    public var timestamp: Int64
    /// When the record was written to the response topic (its Kafka timestamp).
    public var writtenAt: Int64?

    public init(
        position: RecordPosition, tenant: String, paymentId: String, eventId: String, eventType: String,
        status: String, subReason: String?, timestamp: Int64, writtenAt: Int64?
    ) {
        self.position = position
        self.tenant = tenant
        self.paymentId = paymentId
        self.eventId = eventId
        self.eventType = eventType
        self.status = status
        self.subReason = subReason
        self.timestamp = timestamp
        self.writtenAt = writtenAt
    }

    public init(position: RecordPosition, tenant: String, response: PaymentResponse, writtenAt: Int64?) {
        self.position = position
        self.tenant = tenant
        paymentId = response.paymentId
        eventId = response.eventId
        eventType = response.eventType.rawValue
        status = response.status.rawValue
        subReason = response.subReason
        timestamp = response.timestamp
        self.writtenAt = writtenAt
    }
}

/// One dead-letter record of a response topic: the record that could not be delivered, and why.
public struct DeadLetterEntry: Sendable, Equatable, Codable {
    public var position: RecordPosition
    public var tenant: String
    public var paymentId: String
    /// The response record it is a copy of, and that record's event.
    public var original: RecordPosition?
    public var eventId: String?
    public var reason: String
    public var error: String?
    public var httpStatus: Int?
    public var attempts: Int?
    /// When it was dead-lettered (the record's Kafka timestamp), milliseconds since the epoch.
    public var at: Int64?

    /// Reads a dead-letter record; nil when it is not one of a response topic.
    public init?(_ record: ConsumerRecord) {
        guard let source = PaymentTopics.source(ofDeadLetter: record.topic),
            let route = PaymentTopics.route(ofResponses: source),
            let reason = record.headers.last(named: DeadLetterHeader.reason)?.stringValue
        else { return nil }
        func text(_ name: String) -> String? { record.headers.last(named: name)?.stringValue }
        position = RecordPosition(topic: record.topic, partition: record.partition, offset: record.offset)
        tenant = route.tenant
        paymentId = String(decoding: record.key ?? [], as: UTF8.self)
        if let topic = text(DeadLetterHeader.originalTopic),
            let partition = text(DeadLetterHeader.originalPartition).flatMap({ Int32($0) }),
            let offset = text(DeadLetterHeader.originalOffset).flatMap({ Int64($0) })
        {
            original = RecordPosition(topic: topic, partition: partition, offset: offset)
        }
        self.reason = reason
        eventId = text("eventId")
        error = text(DeadLetterHeader.error)
        httpStatus = text(DeadLetterHeader.httpStatus).flatMap { Int($0) }
        attempts = text(DeadLetterHeader.attempts).flatMap { Int($0) }
        at = record.timestamp
    }
}

/// One attempt-log entry and where it was read.
public struct AttemptEntry: Sendable, Equatable {
    public var position: RecordPosition
    public var attempt: DeliveryAttempt

    public init(position: RecordPosition, attempt: DeliveryAttempt) {
        self.position = position
        self.attempt = attempt
    }
}

/// What a batch of records adds to the view, and the positions it reaches: applied in one
/// transaction, so the view and its positions never disagree.
public struct HistoryBatch: Sendable {
    public var responses: [ResponseEntry] = []
    public var attempts: [AttemptEntry] = []
    public var deadLetters: [DeadLetterEntry] = []
    /// The next offset to read, per partition.
    public var positions: [TopicPartition: Int64] = [:]

    public init() {}

    public var isEmpty: Bool { positions.isEmpty }
    public var count: Int { responses.count + attempts.count + deadLetters.count }
}
