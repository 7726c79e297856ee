import Hummingbird
import PaymentHistory
import Timing

/// The status API's answer for one payment (times in ISO-8601, UTC, milliseconds).
struct PaymentStatusDocument: ResponseEncodable {
    struct Event: Encodable {
        var eventType: String
        var status: String
        var subReason: String?
        var timestamp: String
    }

    struct Delivery: Encodable {
        var state: String
        var attempts: Int
        var lastAttemptAt: String?
        var lastHttpStatus: Int?
    }

    var paymentId: String
    var status: String
    var eventType: String
    var subReason: String?
    var updatedAt: String
    var history: [Event]
    var delivery: Delivery?

    init(_ state: PaymentState, withDelivery: Bool) {
        paymentId = state.paymentId
        status = state.status
        eventType = state.eventType
        subReason = state.subReason
        updatedAt = ISO8601.string(milliseconds: state.updatedAt)
        history = state.history.map {
            Event(
                eventType: $0.eventType, status: $0.status, subReason: $0.subReason,
                timestamp: ISO8601.string(milliseconds: $0.timestamp))
        }
        guard withDelivery else { return }
        let summary =
            state.delivery ?? DeliverySummary(state: .pending, attempts: 0, lastAttemptAt: nil, lastHttpStatus: nil)
        delivery = Delivery(
            state: summary.state.rawValue, attempts: summary.attempts,
            lastAttemptAt: summary.lastAttemptAt.map { ISO8601.string(milliseconds: $0) },
            lastHttpStatus: summary.lastHttpStatus)
    }

    /// Keys with no value are left out, except `subReason` (always present, null when none).
    enum CodingKeys: String, CodingKey {
        case paymentId, status, eventType, subReason, updatedAt, history, delivery
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(paymentId, forKey: .paymentId)
        try container.encode(status, forKey: .status)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(subReason, forKey: .subReason)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(history, forKey: .history)
        try container.encodeIfPresent(delivery, forKey: .delivery)
    }
}
