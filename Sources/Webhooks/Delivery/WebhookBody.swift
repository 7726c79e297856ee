import Payments
import Timing

/// The webhook body: the PaymentResponse as JSON, fields in schema order with the schema's
/// camelCase names, enums as strings, the timestamp as ISO-8601 UTC with milliseconds and the
/// amount as a number. A compliance hold's `subReason` and `requiredAction` come last, only
/// when present, so the body of every other event is what it was before schema v2.
public enum WebhookBody {
    public static func render(_ r: PaymentResponse) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(UInt8(ascii: "{"))
        field("eventId", string: r.eventId, into: &out, first: true)
        field("eventType", string: r.eventType.rawValue, into: &out)
        field("paymentId", string: r.paymentId, into: &out)
        field("tenantId", string: r.tenantId, into: &out)
        field("customerId", string: r.customerId, into: &out)
        field("status", string: r.status.rawValue, into: &out)
        key("amount", into: &out)
        out.append(contentsOf: number(r.amount).utf8)
        field("currency", string: r.currency, into: &out)
        field("debtorAccount", string: r.debtorAccount, into: &out)
        field("creditorAccount", string: r.creditorAccount, into: &out)
        field("clearingSystem", string: r.clearingSystem, into: &out)
        field("clearingReference", string: r.clearingReference, into: &out)
        field("failureReason", string: r.failureReason, into: &out)
        field("failureCode", string: r.failureCode, into: &out)
        field("timestamp", string: ISO8601.string(milliseconds: r.timestamp), into: &out)
        field("correlationId", string: r.correlationId, into: &out)
        field("idempotencyKey", string: r.idempotencyKey, into: &out)
        key("metadata", into: &out)
        out.append(UInt8(ascii: "{"))
        for (index, entry) in r.metadata.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONText.appendString(entry.key, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONText.appendString(entry.value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        if let subReason = r.subReason { field("subReason", string: subReason, into: &out) }
        if let requiredAction = r.requiredAction { field("requiredAction", string: requiredAction, into: &out) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func key(_ name: String, into out: inout [UInt8], first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: "\":".utf8)
    }

    private static func field(_ name: String, string value: String?, into out: inout [UInt8], first: Bool = false) {
        key(name, into: &out, first: first)
        if let value { JSONText.appendString(value, into: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    /// The shortest text that reads back as the same double; integral values without a fraction.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
