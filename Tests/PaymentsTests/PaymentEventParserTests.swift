import Foundation
import Payments
import Testing

/// A valid internal event as JSON, with fields replaced (`nil` removes one).
func event(_ changes: [String: Any?] = [:]) -> [UInt8] {
    var fields: [String: Any] = [
        "eventId": "6f1c2a9e-1111-4a7b-9c1d-000000000001",
        "eventType": "PaymentCompletedEvent",
        "paymentId": "PAY-1",
        "tenantId": "TENANT-001",
        "channelType": "PARTNER",
        "customerId": "CUST-9",
        "debtorAccount": "DE89370400440532013000",
        "creditorAccount": "FR1420041010050500013M02606",
        "currency": "EUR",
        "amount": 1234.56,
        "timestamp": 1_764_000_000_123,
        "correlationId": "corr-1",
        "idempotencyKey": "idem-1",
    ]
    for (key, value) in changes {
        if let value { fields[key] = value } else { fields.removeValue(forKey: key) }
    }
    return Array(try! JSONSerialization.data(withJSONObject: fields))
}

/// A valid internal event with one member's value written as raw JSON text (`1e-300`), which
/// JSONSerialization would write its own way.
func event(_ name: String, rawJSON: String) -> [UInt8] {
    let placeholder = "raw-json-value"
    let text = String(decoding: event([name: placeholder]), as: UTF8.self)
    return Array(text.replacingOccurrences(of: "\"\(placeholder)\"", with: rawJSON).utf8)
}

let parser = PaymentEventParser(maxEventBytes: 4096, knownTenants: ["TENANT-001", "PARTNER-ABC"])

/// The parser's "now" in these tests: 2025-11-24T16:00:00Z, the time of `event()`'s timestamp.
let now = Date(timeIntervalSince1970: 1_764_000_000)

func rejection(_ bytes: [UInt8]?, using parser: PaymentEventParser = parser) -> EventRejection? {
    if case .rejected(let rejection) = parser.parse(bytes, now: now) { return rejection }
    return nil
}

func response(_ bytes: [UInt8]) -> PaymentResponse? {
    if case .response(let response) = parser.parse(bytes, now: now) { return response }
    return nil
}

@Suite("Internal event parsing and mapping")
struct PaymentEventParserTests {
    @Test("a complete event maps every field to PaymentResponse")
    func mapsAllFields() throws {
        let mapped = try #require(
            response(
                event([
                    "clearingSystem": "SEPA", "clearingReference": "REF-7",
                    "metadata": ["source": "api", "batch": "42"],
                    "status": "COMPLETED",
                ])))
        #expect(mapped.eventId == "6f1c2a9e-1111-4a7b-9c1d-000000000001")
        #expect(mapped.eventType == .completed && mapped.status == .completed)
        #expect(mapped.paymentId == "PAY-1" && mapped.tenantId == "TENANT-001" && mapped.customerId == "CUST-9")
        #expect(mapped.amount == 1234.56 && mapped.currency == "EUR")
        #expect(
            mapped.debtorAccount == "DE89370400440532013000" && mapped.creditorAccount == "FR1420041010050500013M02606")
        #expect(mapped.clearingSystem == "SEPA" && mapped.clearingReference == "REF-7")
        #expect(mapped.failureReason == nil && mapped.failureCode == nil)
        #expect(mapped.timestamp == 1_764_000_000_123)
        #expect(mapped.correlationId == "corr-1" && mapped.idempotencyKey == "idem-1")
        #expect(mapped.metadata == ["source": "api", "batch": "42"])
        #expect(mapped.channel == .partner)
        #expect(mapped.topic == "payments.responses.partner.TENANT-001")
    }

    @Test(
        "each internal and partner-facing event type maps to its type and status",
        arguments: [
            ("PaymentInitiatedEvent", PaymentEventType.initiated, PaymentStatus.initiated),
            ("PaymentValidatedEvent", .validated, .validated),
            ("FundsDebitedEvent", .debited, .debited),
            ("ClearingSubmittedEvent", .submittedToClearing, .submittedToClearing),
            ("ClearingCompletedEvent", .completed, .completed),
            ("PaymentCompletedEvent", .completed, .completed),
            ("PaymentFailedEvent", .failed, .failed),
            ("PaymentCancelledEvent", .cancelled, .cancelled),
            ("PAYMENT_INITIATED", .initiated, .initiated),
            ("PAYMENT_SUBMITTED_TO_CLEARING", .submittedToClearing, .submittedToClearing),
            ("PAYMENT_CANCELLED", .cancelled, .cancelled),
        ])
    func eventTypes(name: String, type: PaymentEventType, status: PaymentStatus) throws {
        let mapped = try #require(response(event(["eventType": name])))
        #expect(mapped.eventType == type)
        #expect(mapped.status == status)
    }

    @Test(
        "internal-only types in skipEventTypes (by default the known ones) are skipped; any other unknown type is invalid_event"
    )
    func internalTypesSkipped() {
        #expect(
            parser.parse(event(["eventType": "RoutingDeterminedEvent"]))
                == .skipped(eventType: "RoutingDeterminedEvent"))
        let unknown = rejection(event(["eventType": "ShadowLedgerPostedEvent"]))
        #expect(unknown?.reason == .invalidEvent)
        #expect(
            unknown?.message
                == "unknown event type 'ShadowLedgerPostedEvent': not a payment event type, nor listed in bridge.skipEventTypes"
        )
        #expect(
            rejection(event(["eventType": "DROP TABLE payments"]))?.message
                == "eventType 'DROP TABLE payments' is not a payment event type")

        let configured = PaymentEventParser(
            maxEventBytes: 4096, knownTenants: ["TENANT-001"], skipEventTypes: ["ShadowLedgerPostedEvent"])
        #expect(
            configured.parse(event(["eventType": "ShadowLedgerPostedEvent"]))
                == .skipped(eventType: "ShadowLedgerPostedEvent"))
        #expect(
            rejection(event(["eventType": "RoutingDeterminedEvent"]), using: configured)?.message.contains(
                "unknown event type") == true)
    }

    @Test(
        "a correlationId with a control character is rejected naming the field (it becomes a header)",
        arguments: ["corr\r\nX-Injected: yes", "corr\u{0}", "corr\n", "corr\u{7f}"])
    func controlCharactersInHeaderFields(_ value: String) {
        let rejected = rejection(event(["correlationId": value]))
        #expect(rejected?.reason == .invalidEvent)
        #expect(rejected?.message.contains("correlationId") == true)
        #expect(response(event(["correlationId": "corr\tA"])) != nil, "a tab is allowed in a header value")
    }

    @Test("only upstream class names that are not payment event types can be skipped")
    func skippableNames() {
        #expect(PaymentEventType.canBeSkipped("RoutingDeterminedEvent"))
        for name in [
            "PaymentCompletedEvent", "PaymentComplianceHoldEvent", "PAYMENT_COMPLETED", "Routing", "Bad Event",
            "1Event", "",
        ] {
            #expect(!PaymentEventType.canBeSkipped(name), "\(name)")
        }
    }

    @Test("amounts: JSON numbers and decimal strings above zero")
    func amounts() throws {
        #expect(response(event(["amount": "1234.50"]))?.amount == 1234.5)
        #expect(response(event(["amount": 7]))?.amount == 7)
        #expect(response(event(["amount": "+0.5"]))?.amount == 0.5)
        for bad: Any in [
            "0", 0, -5, "1e5", "12,50", "abc", "NaN", true, ["value": 1], "0x1p3", "", "1.", ".5", "1.2.3", "-", "5-",
        ] {
            let found = rejection(event(["amount": bad]))
            #expect(found?.reason == .invalidEvent, "\(bad)")
            #expect(found?.message.contains("amount") == true, "\(bad)")
        }
    }

    @Test("amounts: at most 5 digits after the point, counted on the text as written")
    func amountFractionDigits() throws {
        for accepted in [#""0.00001""#, "0.00001", "1e-5", #""12.34500""#, "12.34500", "1234500e-5"] {
            let amount = try #require(response(event("amount", rawJSON: accepted))?.amount, "\(accepted)")
            #expect(amount == Double(accepted.replacingOccurrences(of: "\"", with: "")), "\(accepted)")
        }
        for refused in [
            #""0.000001""#, "0.000001", "1e-6", "1.000001", "123456e-10", "1e-300", "4.9e-324",
            "1e-99999999999999999999",
        ] {
            let found = rejection(event("amount", rawJSON: refused))
            #expect(found?.reason == .invalidEvent, "\(refused)")
            #expect(found?.message == "amount has more than 5 digits after the decimal point", "\(refused)")
        }
    }

    @Test("amounts: at most 15 digits before the point (below 10^15)")
    func amountIntegerDigits() throws {
        for accepted in [#""999999999999999""#, "999999999999999", "9.99999999999999e14", #""000999999999999999.00""#] {
            #expect(response(event("amount", rawJSON: accepted))?.amount == 999_999_999_999_999, "\(accepted)")
        }
        for refused in [
            #""1000000000000000""#, "1000000000000000", "1e15", "1E+15", "1e300", "1.7976931348623157e308",
            "1e400", "1e99999999999999999999",
        ] {
            let found = rejection(event("amount", rawJSON: refused))
            #expect(found?.reason == .invalidEvent, "\(refused)")
            #expect(found?.message == "amount has more than 15 digits before the decimal point", "\(refused)")
        }
    }

    @Test("amounts: at most 15 significant digits, which the response's double keeps exactly")
    func amountSignificantDigits() throws {
        // The double prints back as the decimal that was written.
        for (accepted, printed) in [
            (#""1234567890.12345""#, "1234567890.12345"), ("1234567890.12345", "1234567890.12345"),
            ("1.23456789012345e9", "1234567890.12345"), (#""123456789012345""#, "123456789012345.0"),
            (#""0.12345""#, "0.12345"),
        ] {
            #expect(response(event("amount", rawJSON: accepted))?.amount.description == printed, "\(accepted)")
        }
        for refused in [#""12345678901.12345""#, "12345678901.12345", "1.234567890123456e10", #""100000000000000.1""#] {
            let found = rejection(event("amount", rawJSON: refused))
            #expect(found?.reason == .invalidEvent, "\(refused)")
            #expect(found?.message == "amount has more than 15 significant digits", "\(refused)")
        }
    }

    @Test("timestamps: not before 2000-01-01T00:00:00Z")
    func timestampEarliest() {
        for accepted in [
            "946684800000", #""946684800000""#, #""2000-01-01T00:00:00Z""#, #""2000-01-01T01:00:00+01:00""#,
        ] {
            #expect(response(event("timestamp", rawJSON: accepted))?.timestamp == 946_684_800_000, "\(accepted)")
        }
        for (refused, message) in [
            ("946684799999", "timestamp 946684799999 is before 2000-01-01"),
            (#""946684799999""#, "timestamp 946684799999 is before 2000-01-01"),
            (#""1999-12-31T23:59:59.999Z""#, "timestamp '1999-12-31T23:59:59.999Z' is before 2000-01-01"),
            ("0", "timestamp 0 is before 2000-01-01"),
            ("-1", "timestamp -1 is before 2000-01-01"),
        ] {
            let found = rejection(event("timestamp", rawJSON: refused))
            #expect(found?.reason == .invalidEvent, "\(refused)")
            #expect(found?.message == message, "\(refused)")
        }
    }

    @Test("timestamps: epoch seconds where milliseconds are expected are refused with a hint")
    func timestampSecondsForMillis() {
        for refused in ["1733300000", #""1733300000""#] {
            let found = rejection(event("timestamp", rawJSON: refused))
            #expect(found?.reason == .invalidEvent, "\(refused)")
            #expect(
                found?.message
                    == "timestamp 1733300000 is before 2000-01-01 (epoch seconds given where milliseconds are expected?)"
            )
        }
        // The current time in seconds, and the first second of 2000: both would be in the window as milliseconds.
        #expect(
            rejection(event(["timestamp": 1_764_000_000]))?.message.hasSuffix(
                "(epoch seconds given where milliseconds are expected?)") == true)
        #expect(
            rejection(event(["timestamp": 946_684_800]))?.message.hasSuffix(
                "(epoch seconds given where milliseconds are expected?)") == true)
        #expect(rejection(event(["timestamp": 946_684_799]))?.message == "timestamp 946684799 is before 2000-01-01")
    }

    @Test("timestamps: at most one day ahead of the current time, which the caller passes in")
    func timestampLatest() throws {
        let latest: Int64 = 1_764_000_000_000 + 86_400_000
        #expect(response(event(["timestamp": Int(latest)]))?.timestamp == latest)
        #expect(response(event(["timestamp": "2025-11-25T16:00:00Z"]))?.timestamp == latest)
        for (refused, message) in [
            ("\(latest + 1)", "timestamp \(latest + 1) is more than a day ahead of the current time"),
            (
                #""2025-11-25T16:00:00.001Z""#,
                "timestamp '2025-11-25T16:00:00.001Z' is more than a day ahead of the current time"
            ),
            (
                "1764000000123000",
                "timestamp 1764000000123000 is more than a day ahead of the current time"
                    + " (epoch microseconds given where milliseconds are expected?)"
            ),
            (
                #""9999-12-31T23:59:59Z""#,
                "timestamp '9999-12-31T23:59:59Z' is more than a day ahead of the current time"
            ),
        ] {
            let found = rejection(event("timestamp", rawJSON: refused))
            #expect(found?.reason == .invalidEvent, "\(refused)")
            #expect(found?.message == message, "\(refused)")
        }
        // The window moves with the time passed in.
        let later = now.addingTimeInterval(1)
        guard case .response(let mapped) = parser.parse(event(["timestamp": Int(latest) + 1000]), now: later) else {
            Issue.record("a timestamp within a day of the time passed in was refused")
            return
        }
        #expect(mapped.timestamp == latest + 1000)
    }

    @Test("timestamps: epoch milliseconds or ISO-8601")
    func timestamps() throws {
        #expect(response(event(["timestamp": "2025-11-24T16:00:00.123Z"]))?.timestamp == 1_764_000_000_123)
        #expect(response(event(["timestamp": "2025-11-24T17:00:00+01:00"]))?.timestamp == 1_764_000_000_000)
        #expect(response(event(["timestamp": "1764000000123"]))?.timestamp == 1_764_000_000_123)
        for bad: Any in ["yesterday", "2025-13-45T00:00:00Z", 1.5, -1, true, "99999999999999999999"] {
            #expect(rejection(event(["timestamp": bad]))?.message.contains("timestamp") == true, "\(bad)")
        }
    }

    @Test(
        "each missing required field is named",
        arguments: [
            "eventId", "eventType", "paymentId", "tenantId", "channelType",
            "customerId", "debtorAccount", "creditorAccount", "currency",
            "amount", "timestamp", "correlationId", "idempotencyKey",
        ])
    func missingField(name: String) {
        let found = rejection(event([name: nil]))
        #expect(found?.reason == .invalidEvent)
        #expect(found?.message == "\(name) is required")
    }

    @Test(
        "invalid values are rejected with the field named",
        arguments: [
            ("eventId", "not-a-uuid" as any Sendable, "eventId"),
            ("channelType", "FAX" as any Sendable, "channelType"),
            ("currency", "EURO" as any Sendable, "currency"),
            ("currency", "ZZZ" as any Sendable, "currency"),
            ("status", "FAILED" as any Sendable, "status"),
            ("paymentId", 42 as any Sendable, "paymentId"),
            ("customerId", "   " as any Sendable, "customerId"),
            ("metadata", ["n": 1] as any Sendable, "metadata"),
            ("metadata", "flat" as any Sendable, "metadata"),
            ("tenantId", "TENANT/../x" as any Sendable, "tenantId"),
            ("tenantId", "TENANT 001" as any Sendable, "tenantId"),
        ])
    func invalidValues(field: String, value: any Sendable, named: String) {
        let found = rejection(event([field: value]))
        #expect(found?.reason == .invalidEvent, "\(field)=\(value)")
        #expect(found?.message.contains(named) == true, "\(found?.message ?? "accepted")")
    }

    @Test("eventId: 8-4-4-4-12 hexadecimal digits in either case, nothing else")
    func eventIds() {
        for good in ["6f1c2a9e-1111-4a7b-9c1d-000000000001", "6F1C2A9E-ABCD-4A7B-9C1D-00000000000F"] {
            #expect(response(event(["eventId": good]))?.eventId == good, "\(good)")
        }
        for bad in [
            "6f1c2a9e-1111-4a7b-9c1d-00000000000", "6f1c2a9e-1111-4a7b-9c1d-0000000000011",
            "6f1c2a9e11111-4a7b-9c1d-000000000001", "6f1c2a9e-1111-4a7b-9c1d-00000000000g",
            "6f1c2a9e-1111-4a7b-9c1d-0000000000é", "{6f1c2a9e-1111-4a7b-9c1d-000000000001}",
        ] {
            #expect(rejection(event(["eventId": bad]))?.message == "eventId must be a UUID", "\(bad)")
        }
    }

    @Test("lower-case channel names are accepted")
    func channelCase() {
        #expect(response(event(["channelType": "web"]))?.topic == "payments.responses.web.TENANT-001")
    }

    @Test(
        "each channel's topic fragment is its lower-cased name, and names the channel back",
        arguments: PaymentChannel.allCases)
    func topicFragments(channel: PaymentChannel) {
        #expect(channel.topicFragment == channel.rawValue.lowercased())
        #expect(PaymentChannel(topicFragment: channel.topicFragment) == channel)
        #expect(PaymentChannel(topicFragment: channel.rawValue) == nil, "topic fragments are lower case")
        #expect(
            PaymentTopics.responses(channel: channel, tenantId: "T-1")
                == "payments.responses.\(channel.rawValue.lowercased()).T-1")
    }

    @Test("tenants that are not configured are rejected unless allowed")
    func unknownTenants() {
        #expect(rejection(event(["tenantId": "NEW-TENANT"]))?.reason == .unknownTenant)
        let open = PaymentEventParser(maxEventBytes: 4096, knownTenants: [], allowUnknownTenants: true)
        if case .response(let mapped) = open.parse(event(["tenantId": "NEW-TENANT"])) {
            #expect(mapped.tenantId == "NEW-TENANT")
        } else {
            Issue.record("an allowed unknown tenant was not mapped")
        }
    }

    @Test("records over maxEventBytes are rejected as oversized before parsing")
    func oversized() {
        let big = event(["metadata": ["blob": String(repeating: "x", count: 5000)]])
        let found = rejection(big)
        #expect(found?.reason == .oversized)
        #expect(found?.message.contains("4096") == true)
    }

    @Test(
        "garbage is rejected without echoing the payload",
        arguments: [
            nil, [], Array("{".utf8), Array("[1,2]".utf8), Array("\"text\"".utf8), [0xff, 0xfe, 0x00, 0x01],
            Array(String(repeating: "[", count: 2000).utf8),
        ] as [[UInt8]?])
    func garbage(bytes: [UInt8]?) {
        let found = rejection(bytes)
        #expect(found?.reason == .invalidEvent)
        #expect(found.map { $0.message.count < 100 } == true)
    }

    @Test("messages never contain account numbers or customer data")
    func noPayloadInMessages() {
        let found = rejection(event(["amount": -1, "debtorAccount": "SECRET-IBAN-123"]))
        #expect(found?.message.contains("SECRET-IBAN") == false)
    }

    @Test("a repeated member: the last one counts, as in a JSON object; unknown members are ignored")
    func repeatedAndUnknownMembers() throws {
        var text = String(decoding: event(), as: UTF8.self)
        text.removeLast()
        text += #","paymentId":"PAY-2","unknownField":{"nested":[1,2,3]}}"#
        #expect(response(Array(text.utf8))?.paymentId == "PAY-2")
        #expect(
            rejection(Array(text.replacingOccurrences(of: #""PAY-2""#, with: "7").utf8))?.message
                == "paymentId must be a string")
    }
}
