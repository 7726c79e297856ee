import Kafka
import KafkaEmbedded
import Synchronization
import TestSupport
import Testing

@Suite("Broker faults on the embedded broker")
struct FaultInjectionTests {
    @Test("a send waiting for its delivery report ends when its task is cancelled")
    func cancelledSendStopsWaiting() async throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let topic = uniqueTopic()
        try mock.cluster.createTopic(topic, partitions: 1)
        let producer = try mock.producer()
        try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("warm-up")))
        try mock.cluster.setAllBrokers(up: false)
        let waiting = Task { try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("stuck"))) }
        try await Task.sleep(for: .milliseconds(300))
        let cancelledAt = ContinuousClock.now
        waiting.cancel()
        await #expect(throws: KafkaError.self) { try await waiting.value }
        #expect(ContinuousClock.now - cancelledAt < .seconds(10), "at once, not after the delivery timeout (120 s)")
        try mock.cluster.setAllBrokers(up: true)
        try await producer.flush(timeout: .seconds(30))
        await producer.close()
    }

    @Test("records sent while every broker is down are delivered once the brokers return")
    func brokersDownThenUp() async throws {
        let mock = try MockKafka(clientID: "kafka-tests")
        let topic = uniqueTopic()
        try mock.cluster.createTopic(topic, partitions: 2)
        let producer = try mock.producer()
        try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("warm-up")))

        try mock.cluster.setAllBrokers(up: false)
        let delivered = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        for index in 0..<20 {
            try await producer.enqueue(ProducerRecord(topic: topic, key: bytes("k\(index)"), value: bytes("\(index)")))
            { result in
                switch result {
                case .success: delivered.add(1, ordering: .relaxed)
                case .failure: failed.add(1, ordering: .relaxed)
                }
            }
        }
        try await Task.sleep(for: .seconds(2))
        #expect(delivered.load(ordering: .relaxed) == 0)
        try mock.cluster.setAllBrokers(up: true)
        try await producer.flush(timeout: .seconds(60))
        #expect(delivered.load(ordering: .relaxed) == 20)
        #expect(failed.load(ordering: .relaxed) == 0)

        let consumer = try mock.consumer(group: "g-down")
        try consumer.subscribe([topic])
        let records = await read(consumer, count: 21)
        #expect(Set(records.compactMap { text($0.value) }) == Set(["warm-up"] + (0..<20).map { "\($0)" }))
        await consumer.close()
        await producer.close()
    }

    @Test("retriable Produce errors are retried without loss or duplicates")
    func produceErrorsRetried() async throws {
        let mock = try MockKafka(brokers: 1, clientID: "kafka-tests")
        let topic = uniqueTopic()
        try mock.cluster.createTopic(topic, partitions: 1)
        let producer = try mock.producer()
        try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("first")))
        mock.cluster.failNextRequests(.produce, with: [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas])
        for index in 0..<10 {
            try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("\(index)")))
        }
        let consumer = try mock.consumer(group: "g-produce-errors")
        try consumer.subscribe([topic])
        let records = await read(consumer, count: 11)
        try await Task.sleep(for: .milliseconds(500))
        let extra = await consumer.poll(timeout: .milliseconds(200))
        #expect(records.map { text($0.value)! } == ["first"] + (0..<10).map { "\($0)" })
        #expect(extra.isEmpty, "idempotence: no duplicates from retries")
        await consumer.close()
        await producer.close()
    }

    @Test("a non-retriable Produce error fails the record with a clear error")
    func produceErrorReported() async throws {
        let mock = try MockKafka(brokers: 1, clientID: "kafka-tests")
        let topic = uniqueTopic()
        try mock.cluster.createTopic(topic, partitions: 1)
        let producer = try mock.producer()
        try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("ok")))
        mock.cluster.failNextRequests(.produce, with: [.messageTooLarge])
        await #expect(throws: KafkaError.self) {
            try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("refused")))
        }
        await producer.close()
    }

    @Test("a partition leader moving to another broker does not lose records")
    func leaderMoves() async throws {
        let mock = try MockKafka(brokers: 3, clientID: "kafka-tests")
        let topic = uniqueTopic()
        try mock.cluster.createTopic(topic, partitions: 1, replicationFactor: 3)
        let producer = try mock.producer()
        for index in 0..<5 { try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("\(index)"))) }
        try mock.cluster.setPartitionLeader(topic: topic, partition: 0, broker: 2)
        for index in 5..<10 {
            try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("\(index)")))
        }
        try mock.cluster.setPartitionLeader(topic: topic, partition: 0, broker: 3)
        for index in 10..<15 {
            try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("\(index)")))
        }
        let consumer = try mock.consumer(group: "g-leader")
        try consumer.subscribe([topic])
        let records = await read(consumer, count: 15)
        #expect(records.map { text($0.value)! } == (0..<15).map { "\($0)" })
        await consumer.close()
        await producer.close()
    }

    @Test("a slow broker delays but does not fail delivery")
    func slowBroker() async throws {
        let mock = try MockKafka(brokers: 1, clientID: "kafka-tests")
        let topic = uniqueTopic()
        try mock.cluster.createTopic(topic, partitions: 1)
        let producer = try mock.producer()
        try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("warm-up")))
        try mock.cluster.setRoundTripTime(1, .milliseconds(300))
        let started = ContinuousClock.now
        try await producer.send(ProducerRecord(topic: topic, key: nil, value: bytes("slow")))
        #expect(ContinuousClock.now - started >= .milliseconds(250))
        await producer.close()
    }
}
