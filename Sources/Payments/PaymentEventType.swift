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

/// Payment statuses (`PaymentResponse.status`).
public enum PaymentStatus: String, Sendable, CaseIterable {
    case initiated = "INITIATED"
    case validated = "VALIDATED"
    case debited = "DEBITED"
    case submittedToClearing = "SUBMITTED_TO_CLEARING"
    case completed = "COMPLETED"
    case failed = "FAILED"
    case cancelled = "CANCELLED"
    /// Held for compliance review; the SLA clock stops until the payment is released.
    case compliance = "COMPLIANCE"

    /// No later status follows (completed, failed, cancelled).
    public var isTerminal: Bool { self == .completed || self == .failed || self == .cancelled }
}

/// Why a payment is held for compliance (`PaymentResponse.subReason` of a hold).
public enum ComplianceSubReason: String, Sendable, CaseIterable {
    case pepReview = "PEP_REVIEW"
    case amlReview = "AML_REVIEW"
    case sanctionsScreening = "SANCTIONS_SCREENING"
    case documentsRequired = "DOCUMENTS_REQUIRED"
}

/// Payment channels; the lower-cased name is the topic fragment.
public enum PaymentChannel: String, Sendable, CaseIterable {
    case web = "WEB", mobile = "MOBILE", partner = "PARTNER", corporate = "CORPORATE", branch = "BRANCH", atm = "ATM",
         ussd = "USSD"

    /// "web", "mobile", …: the lower-cased name (literals, so that naming a topic allocates nothing).
    public var topicFragment: String {
        switch self {
        case .web: "web"
        case .mobile: "mobile"
        case .partner: "partner"
        case .corporate: "corporate"
        case .branch: "branch"
        case .atm: "atm"
        case .ussd: "ussd"
        }
    }

    /// The channel whose topic fragment is `fragment` ("web", …), as in topic names and the configuration.
    public init?<S: StringProtocol>(topicFragment fragment: S) {
        guard let channel = Self.allCases.first(where: { $0.topicFragment == fragment }) else { return nil }
        self = channel
    }
}
