import Demo
import Foundation
import Logging
import TestSupport
import Testing

@Suite(.serialized) struct DemoTests {
    @Test("the demo's summary counts what actually happened to the events it generated")
    func summaryMatchesThePlan() async throws {
        let summary = try await Demo(events: 300, logger: quietLogger)
            .run(schemaDirectory: repositoryRoot.appendingPathComponent("schemas").path)
        let plan = summary.plan
        #expect(plan.events == 300)
        #expect(summary.consumed == plan.events)
        #expect(summary.skipped == plan.internalOnly && plan.internalOnly > 0)
        #expect(summary.deadLetters == ["invalid_event": plan.malformed, "unknown_tenant": plan.unknownTenant])
        #expect(
            summary.produced == [
                "payments.responses.partner.TENANT-001": plan.responses["TENANT-001"]!,
                "payments.responses.web.TENANT-002": plan.responses["TENANT-002"]!,
                "payments.responses.partner.PARTNER-ABC": plan.responses["PARTNER-ABC"]!,
                "payments.responses.partner.PARTNER-XYZ": plan.responses["PARTNER-XYZ"]!,
            ])
        #expect(Set(summary.webhooks.keys) == ["PARTNER-ABC", "PARTNER-XYZ"])
        let abc = try #require(summary.webhooks["PARTNER-ABC"])
        #expect(abc.filtered == plan.filtered)
        #expect(abc.delivered == plan.responses["PARTNER-ABC"]! - plan.filtered)
        #expect(abc.retriesScheduled == 0 && abc.deadLettered == 0)
        let xyz = try #require(summary.webhooks["PARTNER-XYZ"])
        #expect(xyz.deadLettered == plan.refused && plan.refused > 0)
        #expect(xyz.retriesScheduled == plan.retried && plan.retried > 0)
        #expect(xyz.delivered == plan.responses["PARTNER-XYZ"]! - plan.refused)
        #expect(xyz.filtered == 0)
        #expect(summary.requests == abc.delivered + xyz.delivered + plan.refused + plan.retried)
        #expect(summary.verified == summary.requests, "every request carried a valid signature")
        #expect(summary.table.contains("PARTNER-XYZ: delivered \(xyz.delivered), retried \(plan.retried)"))
        // The summary ends with a traced payment (its retried attempt) and the status API's answer.
        let trace = try #require(summary.trace)
        #expect(
            trace.contains("Payment PAY-7") && trace.contains("retry_scheduled") && trace.contains("PAYMENT_COMPLETED"))
        let status = try #require(summary.statusCall)
        #expect(status.contains("→ 200") && status.contains(#""status":"COMPLETED""#))
        #expect(status.contains(#""state":"delivered""#))
        // Some payments are held for compliance review and released; PARTNER-XYZ takes every type,
        // so it gets each of its holds as a webhook (PARTNER-ABC filters them out).
        #expect(plan.held.values.reduce(0, +) > 0 && plan.released > 0)
        #expect(summary.holdWebhooks == plan.held["PARTNER-XYZ"] && summary.holdWebhooks > 0)
        #expect(summary.table.contains("payments held (PEP, AML, sanctions, documents)"))
        #expect(summary.table.contains("hold webhooks received (COMPLIANCE + subReason)"))
    }

    @Test("`payments-bridge demo` ends by itself with exit 0 and prints the summary")
    func commandRunsToTheEnd() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "demo", "--events", "60", "--schemas", repositoryRoot.appendingPathComponent("schemas").path,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(output.contains("payments-bridge demo: 60 events"))
        #expect(output.contains("partner requests with a valid signature"))
    }
}
