import Kafka
import KafkaEmbedded
import TestSupport
import Testing

@Suite("Records of revoked partitions")
struct RevokedRecordsTests {
    @Test("a poll never returns records of a partition a rebalance in that same poll took away; they are counted")
    func pollLeavesOutRevokedPartitions() async throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let topic = uniqueTopic()
        try mock.cluster.createTopic(topic, partitions: 4)
        // Enough records that the first member's polls are full, back to back, for seconds.
        let producer = try mock.producer { $0.linger = .milliseconds(50) }
        for index in 0..<1_000_000 {
            try await producer.enqueue(
                ProducerRecord(topic: topic, partition: Int32(index % 4), key: nil, value: bytes("\(index)")))
        }
        try await producer.flush(timeout: .seconds(120))
        await producer.close()

        let first = try mock.consumer(group: "g-revoke", onRebalance: nil) { $0.pollBatchSize = 50_000 }
        try first.subscribe([topic])
        var stale: [String] = []
        var read = 0
        func poll() async {
            let records = await first.poll(timeout: .milliseconds(100))
            read += records.count
            let assigned = first.assignment
            stale += records.filter { !assigned.contains($0.topicPartition) }.map {
                "\($0.topicPartition)@\($0.offset)"
            }
        }
        let started = ContinuousClock.now
        while read == 0, ContinuousClock.now < started + .seconds(60) { await poll() }
        try #require(read > 0, "the first member reads")
        // Other members join and leave: each time the group takes partitions away from the
        // first (all of them, with the eager assignor of older librdkafka) while its polls are
        // full of records (it commits nothing, so each new assignment reads from the start
        // again). A revoke lands inside a poll that had taken records within a few rounds.
        var rounds = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while first.recordsOfRevokedPartitions == 0, ContinuousClock.now < deadline {
            rounds += 1
            let other = try mock.consumer(group: "g-revoke")
            try other.subscribe([topic])
            let joining = Task { while !Task.isCancelled { _ = await other.poll(timeout: .milliseconds(100)) } }
            while other.assignment.isEmpty, first.recordsOfRevokedPartitions == 0, ContinuousClock.now < deadline {
                await poll()
            }
            joining.cancel()
            _ = await joining.value
            let leaving = Task { await other.close() }
            while first.assignment.count < 4, ContinuousClock.now < deadline { await poll() }
            _ = await leaving.value
        }
        #expect(stale.isEmpty, "records of partitions no longer assigned: \(stale.prefix(5))")
        // Whether a revoke lands inside a poll that had already taken records is up to timing: on
        // a loaded machine it can take more rounds than the budget allows. When it did not, the
        // check above proved nothing new, and the run says so instead of failing.
        withKnownIssue(
            "no revoke landed inside a poll that had taken records (\(rounds) rounds, \(read) records read)",
            isIntermittent: true
        ) {
            #expect(first.recordsOfRevokedPartitions > 0)
        }
        await first.close()
    }
}
