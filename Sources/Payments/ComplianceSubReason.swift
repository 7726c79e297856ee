/// Why a payment is held for compliance (`PaymentResponse.subReason` of a hold).
public enum ComplianceSubReason: String, Sendable, CaseIterable {
    case pepReview = "PEP_REVIEW"
    case amlReview = "AML_REVIEW"
    case sanctionsScreening = "SANCTIONS_SCREENING"
    case documentsRequired = "DOCUMENTS_REQUIRED"
}
