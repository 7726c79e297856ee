import Foundation
import Timing

/// Parses and validates internal payment events (JSON) and maps them to `PaymentResponse`.
public struct PaymentEventParser: Sendable {
    public var maxEventBytes: Int
    /// Tenant ids the service knows; events for others are rejected unless `allowUnknownTenants`.
    public var knownTenants: Set<String>
    public var allowUnknownTenants: Bool
    /// Internal-only event types to skip (`bridge.skipEventTypes`); any other type that is not a
    /// payment event is rejected, never skipped silently.
    public var skipEventTypes: Set<String>

    /// Amounts have at most this many digits after the decimal point (ISO 20022 amounts allow 5;
    /// ISO 4217 currencies use at most 4)…
    public static let amountFractionDigits = 5
    /// …at most this many before it (below 10^15)…
    public static let amountIntegerDigits = 15
    /// …and at most this many from the first non-zero digit to the last: every such decimal
    /// survives the double the response carries, so a partner reads back the amount as written.
    public static let amountSignificantDigits = 15
    /// Timestamps before 2000-01-01T00:00:00Z are refused (epoch seconds read as milliseconds
    /// land in January 1970)…
    public static let earliestTimestamp: Int64 = 946_684_800_000
    /// …and so are those more than this many milliseconds (a day) after the current time.
    public static let timestampLeeway: Int64 = 86_400_000

    public init(
        maxEventBytes: Int = 1_048_576, knownTenants: Set<String>, allowUnknownTenants: Bool = false,
        skipEventTypes: Set<String> = PaymentEventType.knownInternalOnly
    ) {
        self.maxEventBytes = maxEventBytes
        self.knownTenants = knownTenants
        self.allowUnknownTenants = allowUnknownTenants
        self.skipEventTypes = skipEventTypes
    }

    /// `now` bounds the timestamps accepted (at most `timestampLeeway` after it).
    public func parse(_ value: [UInt8]?, now: Date = Date()) -> EventOutcome {
        do {
            return try parseOrThrow(value, now: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
        } catch {
            return .rejected(error)
        }
    }

    private func parseOrThrow(_ value: [UInt8]?, now: Int64) throws(EventRejection) -> EventOutcome {
        guard let value, !value.isEmpty else { throw .invalid("the record has no value") }
        guard value.count <= maxEventBytes else {
            throw EventRejection(
                .oversized, "event of \(value.count) bytes exceeds bridge.maxEventBytes (\(maxEventBytes))")
        }
        var parsed = EventFields()
        let isObject: Bool
        do {
            isObject = try JSONValue.parseObject(value, name: EventFields.Name.init(utf8:)) { field, value in
                if let field { parsed[field] = value }
            }
        } catch {
            throw .invalid("not valid JSON (\(error.message))")
        }
        guard isObject else { throw .invalid("the event must be a JSON object") }
        // Read from a constant: a variable would be copied for every field read.
        let event = parsed

        let typeName = try event.requiredString(.eventType)
        guard let eventType = PaymentEventType.byName[typeName] else {
            if skipEventTypes.contains(typeName) { return .skipped(eventType: typeName) }
            if Self.looksLikeInternalEventType(typeName) {
                throw .invalid(
                    "unknown event type \(Self.quoted(typeName)): not a payment event type, nor listed in bridge.skipEventTypes"
                )
            }
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
        guard let channel = PaymentChannel(rawValue: channelName) ?? PaymentChannel(rawValue: channelName.uppercased())
        else {
            throw .invalid(
                "channelType \(Self.quoted(channelName)) is not one of \(PaymentChannel.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let status = try Self.status(of: eventType, named: typeName, in: event)
        let hold = eventType == .complianceHold ? try Self.complianceHold(in: event) : nil
        let currency = try event.requiredString(.currency)
        guard Self.isoCurrencies.contains(currency) else {
            throw .invalid("currency \(Self.quoted(currency)) is not an ISO 4217 code")
        }

        return .response(
            PaymentResponse(
                eventId: eventId,
                eventType: eventType,
                paymentId: try event.requiredString(.paymentId),
                tenantId: tenantId,
                customerId: try event.requiredString(.customerId),
                status: status,
                amount: try event.amount(),
                currency: currency,
                debtorAccount: try event.requiredString(.debtorAccount),
                creditorAccount: try event.requiredString(.creditorAccount),
                clearingSystem: try event.optionalString(.clearingSystem),
                clearingReference: try event.optionalString(.clearingReference),
                failureReason: try event.optionalString(.failureReason),
                failureCode: try event.optionalString(.failureCode),
                timestamp: try event.timestamp(now: now),
                correlationId: try event.requiredHeaderValue(.correlationId),
                idempotencyKey: try event.requiredString(.idempotencyKey),
                metadata: try event.metadata(),
                channel: channel,
                subReason: hold?.subReason.rawValue,
                requiredAction: hold?.requiredAction))
    }

    /// The status after the event: the event type's own (an event's `status`, when present, must
    /// agree with it), or for a compliance release the non-terminal status it carries.
    private static func status(
        of eventType: PaymentEventType, named typeName: String,
        in event: EventFields
    ) throws(EventRejection) -> PaymentStatus {
        let statusName = try event.optionalString(.status)
        guard let fixed = eventType.status else {
            let resumable = PaymentStatus.allCases.filter { !$0.isTerminal && $0 != .compliance }.map(\.rawValue)
            guard let statusName else {
                throw .invalid(
                    "status is required for \(typeName): the status the payment resumes in "
                        + "(one of \(resumable.joined(separator: ", ")))")
            }
            guard let resumed = PaymentStatus(rawValue: statusName), resumable.contains(resumed.rawValue) else {
                throw .invalid(
                    "status \(quoted(statusName)) of \(typeName) is not a status a payment resumes in "
                        + "(one of \(resumable.joined(separator: ", ")))")
            }
            return resumed
        }
        if let statusName, statusName != fixed.rawValue {
            throw .invalid("status \(quoted(statusName)) disagrees with eventType \(typeName) (\(fixed.rawValue))")
        }
        return fixed
    }

    /// The most characters (Unicode scalars) of a hold's `requiredAction`.
    public static let requiredActionMaxCharacters = 500

    /// A compliance hold's `subReason` (required, one of `ComplianceSubReason`) and `requiredAction`
    /// (optional free text: at most `requiredActionMaxCharacters`, no control characters).
    private static func complianceHold(in event: EventFields)
        throws(EventRejection) -> (subReason: ComplianceSubReason, requiredAction: String?)
    {
        let name = try event.requiredString(.subReason)
        guard let subReason = ComplianceSubReason(rawValue: name) else {
            throw .invalid(
                "subReason \(quoted(name)) is not one of "
                    + ComplianceSubReason.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let action = try event.optionalString(.requiredAction)
        if let action {
            guard action.unicodeScalars.count <= requiredActionMaxCharacters else {
                throw .invalid("requiredAction has more than \(requiredActionMaxCharacters) characters")
            }
            guard !action.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw .invalid("requiredAction must not contain control characters")
            }
        }
        return (subReason, action)
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
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                        UInt8(ascii: "A")...UInt8(ascii: "F"):
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
    enum Name: String, CaseIterable {
        case eventId, eventType, paymentId, tenantId, customerId, channelType, status, amount, currency
        case debtorAccount, creditorAccount, clearingSystem, clearingReference, failureReason, failureCode
        case timestamp, correlationId, idempotencyKey, metadata, subReason, requiredAction

        /// The member name in the event.
        var text: String { rawValue }

        /// The field whose member name is `name` (UTF-8); nil for a member this service does not
        /// read. Length and first byte tell the names apart; the whole name is then compared.
        init?(utf8 name: UnsafeRawBufferPointer) {
            guard let base = name.baseAddress, !name.isEmpty else { return nil }
            let field: Name
            let text: StaticString
            switch (name.count, base.load(as: UInt8.self)) {
            case (6, 0x73): (field, text) = (.status, "status")
            case (6, 0x61): (field, text) = (.amount, "amount")
            case (7, 0x65): (field, text) = (.eventId, "eventId")
            case (8, 0x74): (field, text) = (.tenantId, "tenantId")
            case (8, 0x63): (field, text) = (.currency, "currency")
            case (8, 0x6d): (field, text) = (.metadata, "metadata")
            case (9, 0x65): (field, text) = (.eventType, "eventType")
            case (9, 0x70): (field, text) = (.paymentId, "paymentId")
            case (9, 0x74): (field, text) = (.timestamp, "timestamp")
            case (9, 0x73): (field, text) = (.subReason, "subReason")
            case (10, 0x63): (field, text) = (.customerId, "customerId")
            case (11, 0x63): (field, text) = (.channelType, "channelType")
            case (11, 0x66): (field, text) = (.failureCode, "failureCode")
            case (13, 0x64): (field, text) = (.debtorAccount, "debtorAccount")
            case (13, 0x66): (field, text) = (.failureReason, "failureReason")
            case (13, 0x63): (field, text) = (.correlationId, "correlationId")
            case (14, 0x63): (field, text) = (.clearingSystem, "clearingSystem")
            case (14, 0x69): (field, text) = (.idempotencyKey, "idempotencyKey")
            case (14, 0x72): (field, text) = (.requiredAction, "requiredAction")
            case (15, 0x63): (field, text) = (.creditorAccount, "creditorAccount")
            case (17, 0x63): (field, text) = (.clearingReference, "clearingReference")
            default: return nil
            }
            guard memcmp(base, text.utf8Start, name.count) == 0 else { return nil }
            self = field
        }
    }

    /// One stored value per field (not an array of them: no allocation per event, and no
    /// element-by-element release through the generic array code).
    private struct Values {
        var eventId: JSONValue?
        var eventType: JSONValue?
        var paymentId: JSONValue?
        var tenantId: JSONValue?
        var customerId: JSONValue?
        var channelType: JSONValue?
        var status: JSONValue?
        var amount: JSONValue?
        var currency: JSONValue?
        var debtorAccount: JSONValue?
        var creditorAccount: JSONValue?
        var clearingSystem: JSONValue?
        var clearingReference: JSONValue?
        var failureReason: JSONValue?
        var failureCode: JSONValue?
        var timestamp: JSONValue?
        var correlationId: JSONValue?
        var idempotencyKey: JSONValue?
        var metadata: JSONValue?
        var subReason: JSONValue?
        var requiredAction: JSONValue?
    }

    private var values = Values()

    /// The value of a field; a repeated member replaces the earlier one, as in a parsed JSON object.
    subscript(_ field: Name) -> JSONValue? {
        get {
            switch field {
            case .eventId: values.eventId
            case .eventType: values.eventType
            case .paymentId: values.paymentId
            case .tenantId: values.tenantId
            case .customerId: values.customerId
            case .channelType: values.channelType
            case .status: values.status
            case .amount: values.amount
            case .currency: values.currency
            case .debtorAccount: values.debtorAccount
            case .creditorAccount: values.creditorAccount
            case .clearingSystem: values.clearingSystem
            case .clearingReference: values.clearingReference
            case .failureReason: values.failureReason
            case .failureCode: values.failureCode
            case .timestamp: values.timestamp
            case .correlationId: values.correlationId
            case .idempotencyKey: values.idempotencyKey
            case .metadata: values.metadata
            case .subReason: values.subReason
            case .requiredAction: values.requiredAction
            }
        }
        set {
            switch field {
            case .eventId: values.eventId = newValue
            case .eventType: values.eventType = newValue
            case .paymentId: values.paymentId = newValue
            case .tenantId: values.tenantId = newValue
            case .customerId: values.customerId = newValue
            case .channelType: values.channelType = newValue
            case .status: values.status = newValue
            case .amount: values.amount = newValue
            case .currency: values.currency = newValue
            case .debtorAccount: values.debtorAccount = newValue
            case .creditorAccount: values.creditorAccount = newValue
            case .clearingSystem: values.clearingSystem = newValue
            case .clearingReference: values.clearingReference = newValue
            case .failureReason: values.failureReason = newValue
            case .failureCode: values.failureCode = newValue
            case .timestamp: values.timestamp = newValue
            case .correlationId: values.correlationId = newValue
            case .idempotencyKey: values.idempotencyKey = newValue
            case .metadata: values.metadata = newValue
            case .subReason: values.subReason = newValue
            case .requiredAction: values.requiredAction = newValue
            }
        }
    }

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
            // Mostly decided by the first byte.
            if let first = string.utf8.first, first != 0x20, first != 0x09 { return string }
            guard string.utf8.contains(where: { $0 != 0x20 && $0 != 0x09 }) else {
                throw .invalid("\(name.text) must not be empty")
            }
            return string
        default:
            throw .invalid("\(name.text) must be a string")
        }
    }

    func amount() throws(EventRejection) -> Double {
        let text: String
        let digits: DecimalDigits
        switch self[.amount] {
        case nil, .null?:
            throw .invalid("amount is required")
        case .string(let string)?:
            guard let shape = DecimalDigits(string, allowingExponent: false) else {
                throw .invalid("amount must be a decimal number")
            }
            (text, digits) = (string, shape)
        case .number(let number)?:
            guard let shape = DecimalDigits(number, allowingExponent: true) else {
                throw .invalid("amount must be a number")
            }
            (text, digits) = (number, shape)
        default:
            throw .invalid("amount must be a number or a decimal string")
        }
        guard !digits.isNegative, digits.significant > 0 else { throw .invalid("amount must be greater than zero") }
        guard digits.afterPoint <= PaymentEventParser.amountFractionDigits else {
            throw .invalid(
                "amount has more than \(PaymentEventParser.amountFractionDigits) digits after the decimal point")
        }
        guard digits.beforePoint <= PaymentEventParser.amountIntegerDigits else {
            throw .invalid(
                "amount has more than \(PaymentEventParser.amountIntegerDigits) digits before the decimal point")
        }
        guard digits.significant <= PaymentEventParser.amountSignificantDigits else {
            throw .invalid("amount has more than \(PaymentEventParser.amountSignificantDigits) significant digits")
        }
        guard let amount = Double(text) else { throw .invalid("amount must be a number") }
        return amount
    }

    func timestamp(now: Int64) throws(EventRejection) -> Int64 {
        let millis: Int64
        let isEpoch: Bool
        /// The text of an ISO-8601 timestamp, for messages (an epoch one shows as its number).
        let iso: String?
        switch self[.timestamp] {
        case nil, .null?:
            throw .invalid("timestamp is required")
        case .number?:
            guard let number = self[.timestamp]?.int64 else {
                throw .invalid("timestamp must be whole epoch milliseconds")
            }
            (millis, isEpoch, iso) = (number, true, nil)
        case .string(let text)?:
            if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                // Epoch milliseconds written as a string.
                guard let number = Int64(text) else { throw .invalid("timestamp is out of range") }
                (millis, isEpoch, iso) = (number, true, nil)
            } else {
                guard let date = ISO8601.date(text) else { throw .invalid("timestamp is not an ISO-8601 date-time") }
                (millis, isEpoch, iso) = (Int64((date.timeIntervalSince1970 * 1000).rounded()), false, text)
            }
        default:
            throw .invalid("timestamp must be epoch milliseconds or ISO-8601")
        }
        let earliest = PaymentEventParser.earliestTimestamp
        let latest = now + PaymentEventParser.timestampLeeway
        if millis < earliest {
            // Would the number be in the window as seconds, that is multiplied by 1000?
            let seconds = isEpoch && millis >= earliest / 1000 && millis <= latest / 1000
            throw .invalid(
                "timestamp \(iso.map(PaymentEventParser.quoted) ?? String(millis)) is before 2000-01-01"
                    + (seconds ? " (epoch seconds given where milliseconds are expected?)" : ""))
        }
        if millis > latest {
            let micros = isEpoch && millis / 1000 >= earliest && millis / 1000 <= latest
            throw .invalid(
                "timestamp \(iso.map(PaymentEventParser.quoted) ?? String(millis)) is more than a day ahead of the current time"
                    + (micros ? " (epoch microseconds given where milliseconds are expected?)" : ""))
        }
        return millis
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
}
