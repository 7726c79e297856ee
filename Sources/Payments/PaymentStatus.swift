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
