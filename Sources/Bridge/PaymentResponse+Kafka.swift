import Kafka
import Payments

extension PaymentResponse {
    /// The contract's headers of a response record.
    var headers: [KafkaHeader] {
        [
            KafkaHeader("eventType", eventType.rawValue), KafkaHeader("tenantId", tenantId),
            KafkaHeader("correlationId", correlationId), KafkaHeader("eventId", eventId),
        ]
    }
}
