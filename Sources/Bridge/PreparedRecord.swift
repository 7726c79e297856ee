import Kafka
import Payments

/// An input record worked out ahead of its transaction.
enum PreparedRecord: Sendable {
    /// The record for the partner topic, encoded.
    case response(ProducerRecord, ResponseKey)
    /// A response whose partner topic is not in use yet (created and registered when it is sent).
    case unrouted(PaymentResponse, ResponseKey)
    case skipped(String)
    case rejected(EventRejection)
    /// A valid event the schema the bridge writes cannot carry (dead-lettered `unsupported_by_schema`).
    case unsupported(String)
    /// An event whose output Kafka refused in an earlier transaction (dead-lettered `oversized`).
    case refused(RecordRefusals.Refusal)
}
