/// Partner-facing event types (`PaymentResponse.eventType`).
public enum PaymentEventType: String, Sendable, CaseIterable {
    case initiated = "PAYMENT_INITIATED"
    case validated = "PAYMENT_VALIDATED"
    case debited = "PAYMENT_DEBITED"
    case submittedToClearing = "PAYMENT_SUBMITTED_TO_CLEARING"
    case completed = "PAYMENT_COMPLETED"
    case failed = "PAYMENT_FAILED"
    case cancelled = "PAYMENT_CANCELLED"
    /// Held for compliance review (AML, PEP, sanctions, documents): status `COMPLIANCE`.
    case complianceHold = "PAYMENT_COMPLIANCE_HOLD"
    /// Released from a compliance hold: the event carries the status the payment resumes in.
    case complianceReleased = "PAYMENT_COMPLIANCE_RELEASED"

    /// The status a payment has after this event; `nil` for a release, whose event carries it.
    public var status: PaymentStatus? {
        switch self {
        case .initiated: .initiated
        case .validated: .validated
        case .debited: .debited
        case .submittedToClearing: .submittedToClearing
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .cancelled
        case .complianceHold: .compliance
        case .complianceReleased: nil
        }
    }

    /// Internal-only event types the payments engine is known to send: the default of
    /// `bridge.skipEventTypes` (skipped and counted by name; any other unknown type is dead-lettered).
    public static let knownInternalOnly: Set<String> = ["RoutingDeterminedEvent"]

    /// Whether `name` may be listed in `bridge.skipEventTypes`: an upstream event class name
    /// (letters and digits, ending in `Event`) that is not a payment event type.
    public static func canBeSkipped(_ name: String) -> Bool {
        byName[name] == nil && PaymentEventParser.looksLikeInternalEventType(name)
    }

    /// Internal event class names, and the partner-facing names themselves.
    static let byName: [String: PaymentEventType] = {
        var names: [String: PaymentEventType] = [
            "PaymentInitiatedEvent": .initiated,
            "PaymentValidatedEvent": .validated,
            "FundsDebitedEvent": .debited,
            "ClearingSubmittedEvent": .submittedToClearing,
            "ClearingCompletedEvent": .completed,
            "PaymentCompletedEvent": .completed,
            "PaymentFailedEvent": .failed,
            "PaymentCancelledEvent": .cancelled,
            "PaymentComplianceHoldEvent": .complianceHold,
            "PaymentComplianceReleasedEvent": .complianceReleased,
        ]
        for type in PaymentEventType.allCases { names[type.rawValue] = type }
        return names
    }()
}
