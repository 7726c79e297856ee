import Payments

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
        field("timestamp", string: iso8601(milliseconds: r.timestamp), into: &out)
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

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` (UTC) for milliseconds since the epoch.
    public static func iso8601(milliseconds: Int64) -> String {
        let (seconds, millis) = floorDivision(milliseconds, 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    /// Proleptic Gregorian date of a day count (H. Hinnant's days-from-civil inverse).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Quotient rounded down and a non-negative remainder (times before 1970 too).
private func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
    let remainder = value % divisor
    return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
}
