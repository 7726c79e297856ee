import Foundation
import Webhooks

/// What came out of the demo, from the service's own counts (the bridge's and the sink's
/// totals) and the partner endpoint's.
public struct DemoSummary: Sendable {
    public var plan: DemoPlan
    /// Until every webhook record was settled (delivered, dead-lettered or filtered).
    public var seconds: Double
    /// Until the bridge had committed every event.
    public var bridgeSeconds: Double = 0
    public var consumed = 0
    public var skipped = 0
    /// The bridge's dead letters, per reason.
    public var deadLetters: [String: Int] = [:]
    /// Records per partner topic.
    public var produced: [String: Int] = [:]
    /// What the webhook sink did, per tenant.
    public var webhooks: [String: WebhookSink.Totals.Outcomes] = [:]
    public var requests = 0
    public var verified = 0
    /// Compliance holds the partner endpoint accepted, with their subReason.
    public var holdWebhooks = 0
    /// One payment traced from the payment history, and the status API's answer for it.
    public var trace: String?
    public var statusCall: String?

    /// The closing summary table.
    public var table: String {
        func row(_ label: String, _ value: Int) -> String {
            label.padding(toLength: 52, withPad: " ", startingAt: 0) + String(value)
        }
        var lines = [
            String(
                format: "payments-bridge demo: %d events; the bridge committed them all in %.1f s (%.0f events/s), "
                    + "every webhook was settled after %.1f s (retry delays and a circuit-breaker pause included)",
                plan.events, bridgeSeconds, Double(plan.events) / max(bridgeSeconds, 0.001), seconds), "",
        ]
        lines.append("Bridge")
        lines.append(row("  events consumed", consumed))
        lines.append(row("  skipped (internal-only types)", skipped))
        for (reason, count) in deadLetters.sorted(by: { $0.key < $1.key }) {
            lines.append(row("  dead-lettered (\(reason))", count))
        }
        lines.append("Compliance holds")
        lines.append(row("  payments held (PEP, AML, sanctions, documents)", plan.held.values.reduce(0, +)))
        lines.append(row("  released, resuming where they stopped", plan.released))
        lines.append(row("  hold webhooks received (COMPLIANCE + subReason)", holdWebhooks))
        lines.append("Partner topics (records)")
        for (topic, count) in produced.sorted(by: { $0.key < $1.key }) { lines.append(row("  \(topic)", count)) }
        lines.append("Webhooks")
        for (tenant, outcomes) in webhooks.sorted(by: { $0.key < $1.key }) {
            lines.append(
                "  \(tenant): delivered \(outcomes.delivered), retried \(outcomes.retriesScheduled), "
                    + "dead-lettered \(outcomes.deadLettered), filtered \(outcomes.filtered)")
        }
        lines.append(row("  partner requests with a valid signature", verified) + " of \(requests)")
        if let trace {
            lines += ["", "One payment traced (payments-bridge trace)", trace]
        }
        if let statusCall {
            lines += ["", "The partner status API", statusCall]
        }
        return lines.joined(separator: "\n")
    }
}
