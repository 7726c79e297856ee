import Foundation
import Kafka
import TestSupport
import Testing

@testable import Bridge

@Suite("Transactional calls that time out", .serialized)
struct TransactionResumeTests {
    @Test(
        "a send-offsets and a commit that outlast their call's timeout are called again to finish, not restarted: commits go on and nothing is lost"
    )
    func timedOutCallsAreResumed() async throws {
        let harness = try BridgeHarness(brokers: 1)
        let (events, _, expected) = BridgeHarness.paymentEvents(count: 60, payments: 6)
        var configuration = harness.configuration(maxRecords: 20)
        configuration.operationTimeout = .seconds(1)
        let bridge = try harness.bridge(configuration)
        let topic = "payments.responses.partner.TENANT-001"
        let responses = try await withBridge(bridge) {
            try await waitUntil("the bridge is assigned its partitions", timeout: .seconds(30)) {
                bridge.readiness.ready
            }
            // The first transaction's AddOffsetsToTxn and EndTxn are answered after 2.5 s: both
            // calls time out ("retry call to resume"). Calling anything but the timed-out call
            // again (sending the offsets again during the commit, an abort) is refused by
            // librdkafka with _CONFLICT, and the bridge would never commit again.
            try harness.cluster.delayNextRequest(.addOffsetsToTxn, onBroker: 1, by: .milliseconds(2500))
            try harness.cluster.delayNextRequest(.endTxn, onBroker: 1, by: .milliseconds(2500))
            try await harness.send(events)
            try await waitUntil("every event is committed", timeout: .seconds(60)) {
                bridge.committedRecordCount >= events.count
            }
            return try await harness.read([topic], timeout: .seconds(60)) {
                BridgeHarness.eventIds($0).count >= events.count
            }
        }
        let audit = DeliveryAudit(expected: expected, records: responses)
        #expect(audit.holds, "\(audit.summary)")
        #expect(audit.duplicates == 0, "resumed calls finish the same transaction: nothing is re-sent")
    }
}
