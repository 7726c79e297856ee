import Payments
import Testing

@Suite("Compliance hold and release events")
struct ComplianceEventTests {
    func hold(_ changes: [String: Any?] = [:]) -> [UInt8] {
        var fields: [String: Any?] = ["eventType": "PaymentComplianceHoldEvent", "subReason": "PEP_REVIEW"]
        fields.merge(changes) { $1 }
        return event(fields)
    }

    @Test("a hold maps to PAYMENT_COMPLIANCE_HOLD with status COMPLIANCE, its subReason and requiredAction")
    func holdMaps() throws {
        let mapped = try #require(response(hold(["requiredAction": "Send a certified copy of the passport"])))
        #expect(mapped.eventType == .complianceHold && mapped.status == .compliance)
        #expect(mapped.subReason == "PEP_REVIEW")
        #expect(mapped.requiredAction == "Send a certified copy of the passport")
        let bare = try #require(response(hold(["eventType": "PAYMENT_COMPLIANCE_HOLD", "status": "COMPLIANCE"])))
        #expect(bare.eventType == .complianceHold && bare.requiredAction == nil)
    }

    @Test("every subReason of the contract is accepted", arguments: ComplianceSubReason.allCases)
    func subReasons(_ subReason: ComplianceSubReason) throws {
        #expect(response(hold(["subReason": subReason.rawValue]))?.subReason == subReason.rawValue)
    }

    @Test(
        "a hold without a known subReason is invalid_event naming the field",
        arguments: [nil, "pep_review", "FRAUD_REVIEW", ""] as [String?])
    func badSubReason(_ value: String?) {
        let rejected = rejection(hold(["subReason": value]))
        #expect(rejected?.reason == .invalidEvent)
        #expect(rejected?.message.contains("subReason") == true)
        #expect(rejection(hold(["subReason": 7]))?.message == "subReason must be a string")
    }

    @Test("requiredAction: free text up to 500 characters, no control characters")
    func requiredAction() throws {
        let longest = String(repeating: "é", count: 500)
        #expect(response(hold(["requiredAction": longest]))?.requiredAction == longest)
        let tooLong = rejection(hold(["requiredAction": longest + "x"]))
        #expect(tooLong?.reason == .invalidEvent)
        #expect(tooLong?.message == "requiredAction has more than 500 characters")
        for bad in ["line\nbreak", "tab\there", "nul\u{0}", "del\u{7f}", "c1\u{85}"] {
            let rejected = rejection(hold(["requiredAction": bad]))
            #expect(
                rejected?.message == "requiredAction must not contain control characters",
                "\(bad.unicodeScalars.map(\.value))")
        }
        #expect(rejection(hold(["requiredAction": 12]))?.message == "requiredAction must be a string")
    }

    @Test("a hold's status, when present, must be COMPLIANCE")
    func holdStatusMustAgree() {
        let rejected = rejection(hold(["status": "DEBITED"]))
        #expect(rejected?.reason == .invalidEvent)
        #expect(rejected?.message.contains("status 'DEBITED' disagrees") == true)
    }

    @Test(
        "a release carries the non-terminal status the payment resumes in",
        arguments: [PaymentStatus.initiated, .validated, .debited, .submittedToClearing])
    func releaseResumes(_ status: PaymentStatus) throws {
        let mapped = try #require(
            response(event(["eventType": "PaymentComplianceReleasedEvent", "status": status.rawValue])))
        #expect(mapped.eventType == .complianceReleased)
        #expect(mapped.status == status)
        #expect(mapped.subReason == nil && mapped.requiredAction == nil)
    }

    @Test(
        "a release with a terminal, unknown or missing status is invalid_event naming the field",
        arguments: ["COMPLETED", "FAILED", "CANCELLED", "COMPLIANCE", "PAUSED", nil] as [String?])
    func releaseStatusRefused(_ status: String?) {
        let rejected = rejection(event(["eventType": "PaymentComplianceReleasedEvent", "status": status]))
        #expect(rejected?.reason == .invalidEvent)
        #expect(rejected?.message.contains("status") == true)
        #expect(rejected?.message.contains("DEBITED") == true, "the message lists the statuses a payment resumes in")
    }

    @Test("subReason and requiredAction are not carried by other event types")
    func otherTypesCarryNoHold() throws {
        let mapped = try #require(response(event(["subReason": "PEP_REVIEW", "requiredAction": "none"])))
        #expect(mapped.eventType == .completed && mapped.subReason == nil && mapped.requiredAction == nil)
    }
}
