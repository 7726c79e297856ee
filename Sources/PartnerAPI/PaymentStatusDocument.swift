import Hummingbird
import PaymentHistory
import Payments
import Timing

/// The status API's answer for one payment (times in ISO-8601, UTC, milliseconds), written
/// straight to JSON bytes: keys with no value are left out, except `subReason` (always present,
/// null when none). Hand-written rather than through `JSONEncoder`, which cost a tenth of the
/// API's CPU per request.
struct PaymentStatusDocument: ResponseGenerator {
    let json: [UInt8]

    init(_ state: PaymentState, withDelivery: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(256 + 160 * state.history.count)
        out.append(contentsOf: #"{"paymentId":"#.utf8)
        JSONText.appendString(state.paymentId, into: &out)
        Self.member("status", state.status, into: &out)
        Self.member("eventType", state.eventType, into: &out)
        Self.member("subReason", state.subReason, into: &out)
        Self.member("updatedAt", ISO8601.string(milliseconds: state.updatedAt), into: &out)
        out.append(contentsOf: #","history":["#.utf8)
        for (index, event) in state.history.enumerated() {
            out.append(contentsOf: index == 0 ? #"{"eventType":"#.utf8 : #",{"eventType":"#.utf8)
            JSONText.appendString(event.eventType, into: &out)
            Self.member("status", event.status, into: &out)
            if let subReason = event.subReason { Self.member("subReason", subReason, into: &out) }
            Self.member("timestamp", ISO8601.string(milliseconds: event.timestamp), into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        if withDelivery {
            let summary =
                state.delivery
                ?? DeliverySummary(state: .pending, attempts: 0, lastAttemptAt: nil, lastHttpStatus: nil)
            out.append(contentsOf: #","delivery":{"state":"#.utf8)
            JSONText.appendString(summary.state.rawValue, into: &out)
            out.append(contentsOf: #","attempts":\#(summary.attempts)"#.utf8)
            if let at = summary.lastAttemptAt {
                Self.member("lastAttemptAt", ISO8601.string(milliseconds: at), into: &out)
            }
            if let status = summary.lastHttpStatus { out.append(contentsOf: #","lastHttpStatus":\#(status)"#.utf8) }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
        json = out
    }

    /// `,"name":"value"` (`null` for nil).
    private static func member(_ name: StaticString, _ value: String?, into out: inout [UInt8]) {
        out.append(contentsOf: #",""#.utf8)
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: #"":"#.utf8)
        if let value { JSONText.appendString(value, into: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}
