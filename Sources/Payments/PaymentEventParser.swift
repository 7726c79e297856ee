import Foundation

/// What became of one internal event.
public enum EventOutcome: Sendable, Equatable {
    /// A record for the partner.
    case response(PaymentResponse)
    /// An internal-only event type (for example `RoutingDeterminedEvent`): counted, not sent.
    case skipped(eventType: String)
    /// Cannot be turned into a record: dead-lettered with the reason.
    case rejected(EventRejection)
}

/// Parses and validates internal payment events (JSON) and maps them to `PaymentResponse`.
public struct PaymentEventParser: Sendable {
    public var maxEventBytes: Int
    /// Tenant ids the service knows; events for others are rejected unless `allowUnknownTenants`.
    public var knownTenants: Set<String>
    public var allowUnknownTenants: Bool

    public init(maxEventBytes: Int = 1_048_576, knownTenants: Set<String>, allowUnknownTenants: Bool = false) {
        self.maxEventBytes = maxEventBytes
        self.knownTenants = knownTenants
        self.allowUnknownTenants = allowUnknownTenants
    }

    public func parse(_ value: [UInt8]?) -> EventOutcome {
        do {
            return try parseOrThrow(value)
        } catch {
            return .rejected(error)
        }
    }

    private func parseOrThrow(_ value: [UInt8]?) throws(EventRejection) -> EventOutcome {
        guard let value, !value.isEmpty else { throw .invalid("the record has no value") }
        guard value.count <= maxEventBytes else {
            throw EventRejection(.oversized, "event of \(value.count) bytes exceeds bridge.maxEventBytes (\(maxEventBytes))")
        }
        var event = EventFields()
        let isObject: Bool
        do {
            isObject = try JSONValue.parseObject(value) { name, value in event.set(name, value) }
        } catch {
            throw .invalid("not valid JSON (\(error.message))")
        }
        guard isObject else { throw .invalid("the event must be a JSON object") }

        let typeName = try event.requiredString(.eventType)
        guard let eventType = PaymentEventType.byName[typeName] else {
            if Self.looksLikeInternalEventType(typeName) { return .skipped(eventType: typeName) }
            throw .invalid("eventType \(Self.quoted(typeName)) is not a payment event type")
        }
        let tenantId = try event.requiredString(.tenantId)
        guard PaymentTopics.isLegalName(tenantId), tenantId.utf8.count <= 200 else {
            throw .invalid("tenantId must use only A-Z a-z 0-9 . _ - (it becomes part of a topic name)")
        }
        guard allowUnknownTenants || knownTenants.contains(tenantId) else {
            throw EventRejection(.unknownTenant, "tenant \(Self.quoted(tenantId)) is not configured")
        }
        let eventId = try event.requiredString(.eventId)
        guard Self.isUUID(eventId) else { throw .invalid("eventId must be a UUID") }
        let channelName = try event.requiredString(.channelType)
        guard let channel = PaymentChannel(rawValue: channelName) ?? PaymentChannel(rawValue: channelName.uppercased()) else {
            throw .invalid("channelType \(Self.quoted(channelName)) is not one of \(PaymentChannel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let statusName = try event.optionalString(.status), statusName != eventType.status.rawValue {
            throw .invalid("status \(Self.quoted(statusName)) disagrees with eventType \(typeName) (\(eventType.status.rawValue))")
        }
        let currency = try event.requiredString(.currency)
        guard Self.isoCurrencies.contains(currency) else { throw .invalid("currency \(Self.quoted(currency)) is not an ISO 4217 code") }

        return .response(PaymentResponse(
            eventId: eventId,
            eventType: eventType,
            paymentId: try event.requiredString(.paymentId),
            tenantId: tenantId,
            customerId: try event.requiredString(.customerId),
            status: eventType.status,
            amount: try event.amount(),
            currency: currency,
            debtorAccount: try event.requiredString(.debtorAccount),
            creditorAccount: try event.requiredString(.creditorAccount),
            clearingSystem: try event.optionalString(.clearingSystem),
            clearingReference: try event.optionalString(.clearingReference),
            failureReason: try event.optionalString(.failureReason),
            failureCode: try event.optionalString(.failureCode),
            timestamp: try event.timestamp(),
            correlationId: try event.requiredHeaderValue(.correlationId),
            idempotencyKey: try event.requiredString(.idempotencyKey),
            metadata: try event.metadata(),
            channel: channel))
    }

    /// 8-4-4-4-12 hexadecimal digits (either case), as `UUID(uuidString:)` accepts, without its sscanf.
    static func isUUID(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count == 36 else { return false }
            for (index, byte) in zip(bytes.indices, bytes) {
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard byte == UInt8(ascii: "-") else { return false }
                } else {
                    switch byte {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
                        continue
                    default:
                        return false
                    }
                }
            }
            return true
        }
    }

    /// Upstream event class names end in "Event" (`RoutingDeterminedEvent`); anything else is not a type.
    static func looksLikeInternalEventType(_ name: String) -> Bool {
        name.hasSuffix("Event") && name.utf8.count <= 100 && name.first?.isLetter == true
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    /// A short, printable rendering of a value from the event, for messages.
    static func quoted(_ value: String) -> String {
        let clean = value.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f }
        let text = String(String.UnicodeScalarView(clean.prefix(40)))
        return "'\(text)\(clean.count > 40 || clean.count != value.unicodeScalars.count ? "…" : "")'"
    }

    static let isoCurrencies: Set<String> = Set(Locale.Currency.isoCurrencies.map(\.identifier))
}

/// The event's fields this service reads (others are ignored), with typed access and messages
/// that name the field. Filled member by member while parsing: no dictionary per event.
private struct EventFields {
    enum Name: Int, CaseIterable {
        case eventId, eventType, paymentId, tenantId, customerId, channelType, status, amount, currency
        case debtorAccount, creditorAccount, clearingSystem, clearingReference, failureReason, failureCode
        case timestamp, correlationId, idempotencyKey, metadata

        /// The member name in the event.
        var text: String { String(describing: self) }
        static let byText = Dictionary(uniqueKeysWithValues: allCases.map { ($0.text, $0) })
    }

    private var values = [JSONValue?](repeating: nil, count: Name.allCases.count)

    /// A repeated member replaces the earlier one, as in a parsed JSON object.
    mutating func set(_ name: String, _ value: JSONValue) {
        if let field = Name.byText[name] { values[field.rawValue] = value }
    }

    subscript(_ field: Name) -> JSONValue? { values[field.rawValue] }

    func requiredString(_ name: Name) throws(EventRejection) -> String {
        guard let value = try optionalString(name) else { throw .invalid("\(name.text) is required") }
        return value
    }

    /// A string that becomes a Kafka and an HTTP header (`correlationId`): no control characters,
    /// which would end or forge a header line.
    func requiredHeaderValue(_ name: Name) throws(EventRejection) -> String {
        let value = try requiredString(name)
        guard !value.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) else {
            throw .invalid("\(name.text) must not contain control characters (it becomes a header)")
        }
        return value
    }

    func optionalString(_ name: Name) throws(EventRejection) -> String? {
        switch self[name] {
        case nil, .null?:
            return nil
        case .string(let string)?:
            guard string.utf8.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { throw .invalid("\(name.text) must not be empty") }
            return string
        default:
            throw .invalid("\(name.text) must be a string")
        }
    }

    func amount() throws(EventRejection) -> Double {
        let amount: Double
        switch self[.amount] {
        case nil, .null?:
            throw .invalid("amount is required")
        case .string(let text)?:
            guard Self.isDecimal(text), let parsed = Double(text) else { throw .invalid("amount must be a decimal number") }
            amount = parsed
        case .number?:
            guard let parsed = self[.amount]?.double else { throw .invalid("amount must be a number") }
            amount = parsed
        default:
            throw .invalid("amount must be a number or a decimal string")
        }
        guard amount.isFinite, amount > 0 else { throw .invalid("amount must be greater than zero") }
        return amount
    }

    func timestamp() throws(EventRejection) -> Int64 {
        // 1970 … 9999 in milliseconds.
        let range: ClosedRange<Int64> = 0...253_402_300_799_999
        switch self[.timestamp] {
        case nil, .null?:
            throw .invalid("timestamp is required")
        case .number?:
            guard let millis = self[.timestamp]?.int64, range.contains(millis) else {
                throw .invalid("timestamp must be whole epoch milliseconds")
            }
            return millis
        case .string(let text)?:
            if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                // Epoch milliseconds written as a string.
                guard let millis = Int64(text), range.contains(millis) else { throw .invalid("timestamp is out of range") }
                return millis
            }
            guard let date = Self.parseISO8601(text) else { throw .invalid("timestamp is not an ISO-8601 date-time") }
            let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
            guard range.contains(millis) else { throw .invalid("timestamp is out of range") }
            return millis
        default:
            throw .invalid("timestamp must be epoch milliseconds or ISO-8601")
        }
    }

    func metadata() throws(EventRejection) -> [String: String] {
        switch self[.metadata] {
        case nil, .null?:
            return [:]
        case .object(let object)?:
            var result: [String: String] = [:]
            for (key, value) in object {
                guard case .string(let string) = value else {
                    throw .invalid("metadata.\(PaymentEventParser.quoted(key).dropFirst().dropLast()) must be a string")
                }
                result[key] = string
            }
            return result
        default:
            throw .invalid("metadata must be an object of strings")
        }
    }

    static func isDecimal(_ text: String) -> Bool {
        var text = text
        return text.withUTF8(isDecimal)
    }

    private static func isDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var digitsBefore = 0, digitsAfter = 0, seenPoint = false
        for (index, byte) in zip(bytes.indices, bytes) {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): if seenPoint { digitsAfter += 1 } else { digitsBefore += 1 }
            case UInt8(ascii: ".") where !seenPoint: seenPoint = true
            case UInt8(ascii: "-") where index == 0, UInt8(ascii: "+") where index == 0: continue
            default: return false
            }
        }
        return digitsBefore > 0 && (!seenPoint || digitsAfter > 0)
    }

    static func parseISO8601(_ text: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? withFraction.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}

