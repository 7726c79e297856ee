import Bridge
import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Records prepared during a commit", .serialized)
struct CommitOverlapTests {
    @Test(
        "records fetched while a transaction commits are read again when that commit aborts, also from partitions the aborted transaction did not touch"
    )
    func preparedRecordsOfAnAbortedCommitAreReadAgain() async throws {
        // Two input partitions with a full transaction's worth of events each, written before the
        // bridge starts: its first poll takes one partition's events (they arrive as one run per
        // partition), and the poll made while that transaction commits takes the other's.
        let harness = try BridgeHarness(brokers: 1, inputPartitions: 2)
        let perPartition = 40
        let (events, ids, expected) = BridgeHarness.paymentEvents(count: 2 * perPartition, payments: 8)
        // PAY-0…3 on partition 0, PAY-4…7 on partition 1: each payment's events stay in order.
        let records = events.map { event in
            let payment = Int(event.key.dropFirst("PAY-".count))!
            return ProducerRecord(
                topic: harness.inputTopic, partition: payment < 4 ? 0 : 1, key: Array(event.key.utf8),
                value: event.value)
        }
        try await produceAll(records, kafka: harness.kafka)
        let bridge = try harness.bridge(harness.configuration(maxRecords: perPartition))
        let topic = "payments.responses.partner.TENANT-001"
        // The first transaction's records are refused by the broker: its commit fails and it is
        // aborted while the other partition's records are already fetched and prepared.
        harness.cluster.failNextRequests(.produce, with: [.messageTooLarge])
        let responses = try await withBridge(bridge) {
            try await harness.read([topic], timeout: .seconds(30)) { BridgeHarness.eventIds($0).count >= ids.count }
        }
        let metrics = harness.metricsText()
        #expect(metrics.contains(#"payments_bridge_transactions_total{outcome="aborted"}"#), "the first commit aborted")
        let audit = DeliveryAudit(expected: expected, records: responses)
        #expect(audit.lost.count == 0, "lost: \(audit.lost.count), first \(audit.lost.prefix(5))")
        #expect(audit.outOfOrder.isEmpty, "out of order: \(audit.outOfOrder.prefix(5))")
        #expect(audit.differingCopies.isEmpty, "every duplicate is an identical copy")
    }
}
