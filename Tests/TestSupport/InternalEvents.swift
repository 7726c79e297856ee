import Foundation
import Kafka

/// An internal payment event as JSON, valid unless `changes` say otherwise (`nil` removes a field).
public func internalEvent(
    paymentId: String = "PAY-1", tenantId: String = "TENANT-001", type: String = "PaymentCompletedEvent",
    eventId: String = UUID().uuidString.lowercased(), channel: String = "PARTNER",
    amount: Double = 100.5, changes: [String: (any Sendable)?] = [:]
) -> [UInt8] {
    var fields: [String: Any] = [
        "eventId": eventId,
        "eventType": type,
        "paymentId": paymentId,
        "tenantId": tenantId,
        "channelType": channel,
        "customerId": "CUST-9",
        "debtorAccount": "DE89370400440532013000",
        "creditorAccount": "FR1420041010050500013M02606",
        "currency": "EUR",
        "amount": amount,
        "timestamp": 1_764_000_000_123,
        "correlationId": "corr-\(paymentId)",
        "idempotencyKey": "idem-\(paymentId)",
    ]
    for (key, value) in changes {
        if let value { fields[key] = value } else { fields.removeValue(forKey: key) }
    }
    return Array(try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
}

/// The payment lifecycle in order, as internal event types.
public let paymentLifecycle = [
    "PaymentInitiatedEvent", "PaymentValidatedEvent", "FundsDebitedEvent",
    "ClearingSubmittedEvent", "PaymentCompletedEvent",
]

/// Whole lifecycles of `payments` payments (`<tenant>-P<n>`) of `tenant`, as records of
/// `payments.events` keyed by paymentId, and per payment its eventIds in the order sent.
public func lifecycleEvents(tenant: String, payments: Int) -> (expected: [String: [String]], records: [ProducerRecord])
{
    var expected: [String: [String]] = [:]
    var records: [ProducerRecord] = []
    for p in 0..<payments {
        let paymentId = "\(tenant)-P\(p)"
        for type in paymentLifecycle {
            let id = UUID().uuidString.lowercased()
            expected[paymentId, default: []].append(id)
            records.append(
                ProducerRecord(
                    topic: "payments.events", key: Array(paymentId.utf8),
                    value: internalEvent(paymentId: paymentId, tenantId: tenant, type: type, eventId: id)))
        }
    }
    return (expected, records)
}
