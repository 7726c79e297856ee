import Kafka
import Testing

@testable import Webhooks

@Suite("Records waiting for room, per partition")
struct WaitingRecordsTests {
    static let p0 = TopicPartition(topic: "payments.responses.partner.T1", partition: 0)
    static let p1 = TopicPartition(topic: "payments.responses.partner.T1", partition: 1)
    static let q0 = TopicPartition(topic: "payments.responses.partner.T2", partition: 0)

    static func records(_ runs: [(TopicPartition, ClosedRange<Int64>)]) -> [ConsumerRecord] {
        runs.flatMap { partition, offsets in
            offsets.map { DeliveryStateMachineTests.record(partition, $0, key: "K\($0)") }
        }
    }

    @Test func keepsEachPartitionsOrderAcrossPollsAndCountsThem() {
        var waiting = WaitingRecords()
        #expect(waiting.partitions.isEmpty && waiting.counts.isEmpty)
        waiting.append(Self.records([(Self.p0, 0...2), (Self.p1, 5...6), (Self.q0, 0...0), (Self.p0, 3...3)]))
        waiting.append(Self.records([(Self.p1, 7...7), (Self.p0, 4...4)]))
        #expect(waiting.counts == [Self.p0: 5, Self.p1: 3, Self.q0: 1])
        var taken: [TopicPartition: [Int64]] = [:]
        for partition in waiting.partitions {
            while let record = waiting.first(of: partition) {
                taken[partition, default: []].append(record.offset)
                waiting.removeFirst(of: partition)
            }
        }
        #expect(taken == [Self.p0: [0, 1, 2, 3, 4], Self.p1: [5, 6, 7], Self.q0: [0]])
        #expect(waiting.partitions.isEmpty && waiting.counts.isEmpty)
    }

    @Test func forgetsRevokedPartitionsOnly() {
        var waiting = WaitingRecords()
        waiting.append(Self.records([(Self.p0, 0...1), (Self.p1, 0...3)]))
        waiting.remove([Self.p1, Self.q0])
        #expect(waiting.counts == [Self.p0: 2])
        #expect(waiting.first(of: Self.p1) == nil)
        waiting.removeFirst(of: Self.p1)
        #expect(waiting.first(of: Self.p0)?.offset == 0)
    }
}
