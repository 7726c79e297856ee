import DeadLetters
import Kafka
import Payments

/// One record of a payment's queue: where it came from, how its delivery has gone so far, and
/// what a request needs (not the whole decoded response: queues copy their items, and every
/// string kept is one more reference to count per copy).
struct QueuedDelivery: Sendable {
    /// The tenant whose topic the record came from.
    var tenant: String
    var pending: PendingDelivery
    var eventID: String
    var correlationID: String
    var body: [UInt8]
    /// The event's time (the response's `timestamp`, or the record's for one read back from the
    /// retry log), milliseconds since the epoch: where end-to-end latency starts.
    var eventTime: Int64?
    /// Set when the record cannot be delivered at all (its retry-log entry no longer decodes):
    /// it is dead-lettered with this cause when its turn comes.
    var undeliverable: DeadLetterCause?

    init(tenant: String, pending: PendingDelivery, response: PaymentResponse) {
        self.tenant = tenant
        self.pending = pending
        eventID = response.eventId
        correlationID = response.correlationId
        body = WebhookBody.render(response)
        eventTime = response.timestamp
    }

    init(tenant: String, pending: PendingDelivery, eventID: String, correlationID: String, body: [UInt8]) {
        self.tenant = tenant
        self.pending = pending
        self.eventID = eventID
        self.correlationID = correlationID
        self.body = body
        eventTime = pending.record.timestamp
    }

    var offset: Int64 { pending.record.offset }
    var partition: TopicPartition { pending.record.topicPartition }

    /// The payment a record belongs to: its key (records without a key have no order to keep).
    static func paymentKey(_ record: ConsumerRecord) -> String {
        if let key = record.key { return String(decoding: key, as: UTF8.self) }
        return "\u{0}\(record.offset)"
    }
}
