import Foundation
import PropertyBased
import Testing
import Timing

@testable import PartnerAPI
@testable import PaymentHistory

@Suite("The status API's document (JSON written by hand)")
struct PaymentStatusDocumentTests {
    /// Text with what JSON must escape: quotes, backslashes, control characters, non-ASCII.
    static let text = Gen.element(of: ["\"", "\\", "\u{01}", "\n", "é", "💶", "a", "/", "PAY-1"]).array(of: 0...12)
        .map { $0.compactMap { $0 }.joined() }

    static func parsed(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func everyValueReadsBackAsItWas() async {
        let text = Self.text
        let millis = Gen.int64(in: 0...4_102_444_800_000)
        let event = zip(text, text, text.optional, millis).map {
            PaymentState.Event(eventType: $0, status: $1, subReason: $2, timestamp: $3)
        }
        let delivery =
            zip(Gen.int(in: 0...2), Gen.int(in: 0...50), millis.optional, Gen.int(in: 100...599).optional)
            .map { state, attempts, at, status in
                DeliverySummary(
                    state: [.delivered, .pending, .deadLettered][state], attempts: attempts, lastAttemptAt: at,
                    lastHttpStatus: status)
            }.optional
        let state = zip(text, text, text, text.optional, millis, event.array(of: 0...6), delivery).map {
            PaymentState(
                paymentId: $0, tenant: "T", status: $1, eventType: $2, subReason: $3, updatedAt: $4, history: $5,
                delivery: $6)
        }
        await propertyCheck(count: 200, input: state, Gen.bool) { state, withDelivery in
            let json = try Self.parsed(PaymentStatusDocument(state, withDelivery: withDelivery).json)
            #expect(json["paymentId"] as? String == state.paymentId)
            #expect(json["status"] as? String == state.status)
            #expect(json["eventType"] as? String == state.eventType)
            #expect(json.keys.contains("subReason"))
            #expect(json["subReason"] as? String == state.subReason)
            #expect(json["updatedAt"] as? String == ISO8601.string(milliseconds: state.updatedAt))
            let history = try #require(json["history"] as? [[String: Any]])
            #expect(history.count == state.history.count)
            for (read, event) in zip(history, state.history) {
                #expect(read["eventType"] as? String == event.eventType)
                #expect(read["status"] as? String == event.status)
                #expect(read["subReason"] as? String == event.subReason)
                #expect(read.keys.contains("subReason") == (event.subReason != nil))
                #expect(read["timestamp"] as? String == ISO8601.string(milliseconds: event.timestamp))
            }
            guard withDelivery else {
                #expect(json["delivery"] == nil)
                return
            }
            let read = try #require(json["delivery"] as? [String: Any])
            let summary = state.delivery
            #expect(read["state"] as? String == (summary?.state ?? .pending).rawValue)
            #expect(read["attempts"] as? Int == summary?.attempts ?? 0)
            #expect(read["lastAttemptAt"] as? String == summary?.lastAttemptAt.map { ISO8601.string(milliseconds: $0) })
            #expect(read["lastHttpStatus"] as? Int == summary?.lastHttpStatus)
        }
    }
}
