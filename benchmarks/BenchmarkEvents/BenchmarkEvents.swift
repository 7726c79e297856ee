// The internal events the bridge benchmarks feed the bridge (JSON, ~400 bytes): one shape for
// the Kafka benchmarks (bridge-bench) and the instruction counts (instructions-bench).
import Foundation

/// The event types the benchmarks' events cycle through.
public let benchmarkEventTypes = [
    "PaymentInitiatedEvent", "PaymentValidatedEvent", "FundsDebitedEvent", "ClearingSubmittedEvent",
    "PaymentCompletedEvent",
]

/// The tenant of event `index` when events are spread over `tenants` tenants.
public func benchmarkTenant(_ index: Int, tenants: Int) -> String {
    "TENANT-\(String(format: "%03d", index % tenants))"
}

/// Internal event `index` (payment `index % 10_000`, spread over `tenants` tenants), partner channel.
public func benchmarkEvent(_ index: Int, tenants: Int, eventID: String, eventType: String) -> [UInt8] {
    let payment = index % 10_000
    let json = """
        {"eventId":"\(eventID)","eventType":"\(eventType)","paymentId":"PAY-\(payment)",\
        "tenantId":"\(benchmarkTenant(payment, tenants: tenants))","channelType":"PARTNER","customerId":"CUST-\(payment)",\
        "debtorAccount":"DE89370400440532013000","creditorAccount":"FR1420041010050500013M02606","currency":"EUR",\
        "amount":\(100 + payment % 900).25,"timestamp":1764000000123,"correlationId":"corr-\(index)","idempotencyKey":"idem-\(payment)"}
        """
    return Array(json.utf8)
}
