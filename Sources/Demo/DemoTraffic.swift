import Foundation
import Kafka
import Payments

/// The demo's internal events: whole payment lifecycles spread over the tenants, some ending
/// in failure, some held for compliance review after the debit and released, plus
/// internal-only, malformed and unknown-tenant events — with the plan of what must come out.
struct DemoTraffic {
    static let inputTopic = "payments.events"
    /// Example accounts (valid IBAN check digits), the same on every event.
    static let debtorAccount = "DE89370400440532013000"
    static let creditorAccount = "FR1420041010050500013M02606"

    let tenants: [String]

    func generate(events: Int) -> (records: [ProducerRecord], plan: DemoPlan) {
        var plan = DemoPlan()
        var records: [ProducerRecord] = []
        let completedLifecycle = [
            "PaymentInitiatedEvent", "PaymentValidatedEvent", "FundsDebitedEvent", "ClearingSubmittedEvent",
            "PaymentCompletedEvent",
        ]
        let failedLifecycle = ["PaymentInitiatedEvent", "PaymentValidatedEvent", "PaymentFailedEvent"]
        var payment = 0
        while records.count < events {
            payment += 1
            let tenant = tenants[payment % tenants.count]
            let paymentId = "PAY-\(payment)"
            switch payment % 10 {
            case 3:
                records.append(Self.event(paymentId, tenant, "RoutingDeterminedEvent"))
                plan.internalOnly += 1
            case 6:
                records.append(
                    ProducerRecord(
                        topic: Self.inputTopic, key: Array(paymentId.utf8), value: Array("{\"eventId\": ".utf8)))
                plan.malformed += 1
            case 9:
                records.append(Self.event(paymentId, "UNKNOWN-BANK", "PaymentInitiatedEvent"))
                plan.unknownTenant += 1
            default:
                break
            }
            var lifecycle = payment % 3 == 0 ? failedLifecycle : completedLifecycle
            if payment % 3 != 0, payment % 7 == 1 {
                lifecycle.insert(contentsOf: ["PaymentComplianceHoldEvent", "PaymentComplianceReleasedEvent"], at: 3)
            }
            for type in lifecycle where records.count < events {
                records.append(
                    Self.event(paymentId, tenant, type, subReason: ComplianceSubReason.allCases[payment % 4]))
                if type == "PaymentComplianceHoldEvent" { plan.held[tenant, default: 0] += 1 }
                if type == "PaymentComplianceReleasedEvent" { plan.released += 1 }
                plan.responses[tenant, default: 0] += 1
                if tenant == "PARTNER-ABC", type != "PaymentCompletedEvent", type != "PaymentFailedEvent" {
                    plan.filtered += 1
                }
                if tenant == "PARTNER-XYZ", type == "PaymentFailedEvent" { plan.refused += 1 }
                if tenant == "PARTNER-XYZ", type == "PaymentCompletedEvent" { plan.retried += 1 }
            }
        }
        plan.events = records.count
        return (records, plan)
    }

    static func event(
        _ paymentId: String, _ tenant: String, _ type: String,
        subReason: ComplianceSubReason = .pepReview
    ) -> ProducerRecord {
        let compliance =
            switch type {
            case "PaymentComplianceHoldEvent":
                #","subReason":"\#(subReason.rawValue)""#
                    + (subReason == .documentsRequired ? #","requiredAction":"Proof of address""# : "")
            case "PaymentComplianceReleasedEvent": #","status":"DEBITED""#
            default: ""
            }
        let failure = type == "PaymentFailedEvent" ? #","failureReason":"insufficient funds","failureCode":"AM04""# : ""
        let json = """
            {"eventId":"\(UUID().uuidString.lowercased())","eventType":"\(type)","paymentId":"\(paymentId)","tenantId":"\(tenant)",\
            "channelType":"\(tenant == "TENANT-002" ? "WEB" : "PARTNER")","customerId":"CUST-\(paymentId)",\
            "debtorAccount":"\(debtorAccount)","creditorAccount":"\(creditorAccount)","currency":"EUR","amount":"125.50",\
            "timestamp":\(Int64(Date().timeIntervalSince1970 * 1000)),"correlationId":"corr-\(paymentId)",\
            "idempotencyKey":"idem-\(paymentId)"\(failure)\(compliance)}
            """
        return ProducerRecord(topic: inputTopic, key: Array(paymentId.utf8), value: Array(json.utf8))
    }
}
