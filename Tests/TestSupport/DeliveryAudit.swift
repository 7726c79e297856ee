import Kafka

/// Checks what a partner received against what was sent: every event present, copies of an
/// event identical, and each payment's events first seen in the order they were sent. This is
/// the promise: every status arrives, once or as a same-eventId duplicate, in order.
public struct DeliveryAudit: Sendable {
    /// One thing the partner received, in the order it arrived (or its offset order).
    public struct Received: Sendable {
        public var paymentId: String
        public var eventId: String
        /// What must be identical between copies (value and headers, or the webhook body).
        public var content: [UInt8]
        public init(paymentId: String, eventId: String, content: [UInt8]) {
            self.paymentId = paymentId
            self.eventId = eventId
            self.content = content
        }
    }

    public private(set) var expected = 0
    public private(set) var lost: [String] = []
    public private(set) var duplicates = 0
    public private(set) var differingCopies: [String] = []
    public private(set) var outOfOrder: [String] = []
    public private(set) var unexpected = 0

    /// `expected`: per payment, its eventIds in the order they were sent.
    public init(expected: [String: [String]], received: [Received]) {
        self.expected = expected.values.map(\.count).reduce(0, +)
        let wanted = Set(expected.values.joined())
        var firstCopy: [String: [UInt8]] = [:]
        var firstSeen: [String: [String]] = [:]
        for item in received {
            guard wanted.contains(item.eventId) else {
                unexpected += 1
                continue
            }
            if let copy = firstCopy[item.eventId] {
                duplicates += 1
                if copy != item.content, !differingCopies.contains(item.eventId) {
                    differingCopies.append(item.eventId)
                }
            } else {
                firstCopy[item.eventId] = item.content
                firstSeen[item.paymentId, default: []].append(item.eventId)
            }
        }
        for (paymentId, ids) in expected {
            lost += ids.filter { firstCopy[$0] == nil }
            if firstSeen[paymentId, default: []] != ids.filter({ firstCopy[$0] != nil }) {
                outOfOrder.append(paymentId)
            }
        }
    }

    /// Response records as a partner's consumer reads them (one payment lives in one partition,
    /// so the records' order per partition is what the partner sees).
    public init(expected: [String: [String]], records: [ConsumerRecord]) {
        self.init(
            expected: expected,
            received: records.map { record in
                var content = record.value ?? []
                for header in record.headers { content += Array(header.name.utf8) + [0] + (header.value ?? []) + [0] }
                return Received(
                    paymentId: String(decoding: record.key ?? [], as: UTF8.self),
                    eventId: record.headers.last(named: "eventId")?.stringValue ?? "",
                    content: content)
            })
    }

    /// Webhooks as a partner's endpoint received them, in order of arrival (copies compared by body).
    public init(expected: [String: [String]], webhooks: [WebhookReceiver.Request]) {
        self.init(
            expected: expected,
            received: webhooks.map {
                Received(paymentId: $0.paymentId ?? "", eventId: $0.eventId ?? "", content: $0.body)
            })
    }

    /// Nothing lost, copies identical, order kept.
    public var holds: Bool { lost.isEmpty && differingCopies.isEmpty && outOfOrder.isEmpty }

    public var summary: String {
        "\(expected) events: \(lost.count) lost, \(duplicates) duplicates (\(differingCopies.count) differing), "
            + "\(outOfOrder.count) payments out of order"
    }
}
