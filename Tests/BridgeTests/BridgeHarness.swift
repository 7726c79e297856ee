import Avro
import Bridge
import Foundation
import Kafka
import KafkaEmbedded
import Logging
import Payments
import Prometheus
import Synchronization
import TestSupport

/// An embedded cluster, the bridge's configuration and helpers to feed and read it.
struct BridgeHarness {
    let mock: MockKafka
    var cluster: EmbeddedKafkaCluster { mock.cluster }
    var kafka: KafkaConfiguration { mock.kafka }
    let schema: AvroSchema
    let registry = EmbeddedSchemaRegistry()
    let metrics = PrometheusCollectorRegistry()
    let inputTopic = uniqueTopic("events")
    let group = uniqueTopic("bridge")

    init(brokers: Int = 3, inputPartitions: Int = 4) throws {
        mock = try MockKafka(brokers: brokers, clientID: "bridge-tests")
        schema = try AvroSchema(json: paymentResponseSchemaText())
        try mock.createTopics([inputTopic], partitions: inputPartitions)
    }

    func configuration(transactionalID: String = uniqueTopic("txn"), maxRecords: Int = 50)
        -> BridgeService.Configuration
    {
        var configuration = BridgeService.Configuration(
            parser: PaymentEventParser(
                maxEventBytes: 2048, knownTenants: ["TENANT-001", "TENANT-002"]))
        configuration.inputTopic = inputTopic
        configuration.consumerGroup = group
        configuration.transactionalID = transactionalID
        configuration.partitions = [.partner: 3, .web: 2]
        configuration.transactionMaxRecords = maxRecords
        configuration.transactionMaxInterval = .milliseconds(50)
        configuration.lagInterval = .milliseconds(200)
        return configuration
    }

    func bridge(_ configuration: BridgeService.Configuration? = nil) throws -> BridgeService {
        try BridgeService(
            configuration: configuration ?? self.configuration(), kafka: kafka, schema: schema,
            registry: registry, metricsFactory: PrometheusMetricsFactory(registry: metrics),
            logger: quietLogger)
    }

    /// Produces internal events keyed by payment id (as upstream does), in order; fails unless
    /// every one was written.
    func send(_ events: [(key: String, value: [UInt8])], headers: [KafkaHeader] = []) async throws {
        try await produceAll(
            events.map {
                ProducerRecord(topic: inputTopic, key: Array($0.key.utf8), value: $0.value, headers: headers)
            },
            kafka: kafka)
    }

    /// Reads `topics` from the beginning until `count` records arrived or `timeout` passed.
    func read(_ topics: [String], count: Int, timeout: Duration = .seconds(40)) async throws -> [ConsumerRecord] {
        try await read(topics, timeout: timeout) { $0.count >= count }
    }

    /// Reads `topics` from the beginning until `done` says so or `timeout` passed.
    func read(
        _ topics: [String], timeout: Duration = .seconds(40),
        until done: ([ConsumerRecord]) -> Bool
    ) async throws -> [ConsumerRecord] {
        try await readTopics(topics, kafka: kafka, timeout: timeout, until: done)
    }

    /// `count` valid events for TENANT-001 spread round-robin over `payments` payments
    /// (`PAY-0`…), their eventIds in sending order, and the eventIds each payment must receive, in order.
    static func paymentEvents(count: Int, payments: Int)
        -> (events: [(key: String, value: [UInt8])], ids: [String], expected: [String: [String]])
    {
        let ids = (0..<count).map { _ in UUID().uuidString.lowercased() }
        let events = ids.enumerated().map { index, id in
            (key: "PAY-\(index % payments)", value: internalEvent(paymentId: "PAY-\(index % payments)", eventId: id))
        }
        return (
            events, ids,
            Dictionary(grouping: ids.enumerated(), by: { "PAY-\($0.offset % payments)" }).mapValues {
                $0.map(\.element)
            }
        )
    }

    /// The eventIds of response records.
    static func eventIds(_ records: [ConsumerRecord]) -> Set<String> {
        Set(records.compactMap { $0.headers.last(named: "eventId")?.stringValue })
    }

    /// Decodes a response record's value (Confluent framing, the writer's schema from the registry).
    func decode(_ record: ConsumerRecord) async throws -> AvroValue {
        let (id, payload) = try ConfluentWireFormat.parse(record.value ?? [])
        return try await registry.schema(id: id).decode(payload)
    }

    func metricsText() -> String {
        var buffer: [UInt8] = []
        metrics.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Runs a bridge until `body` returns, then stops it as a SIGTERM would (task cancellation).
func withBridge<T>(_ bridge: BridgeService, _ body: () async throws -> T) async throws -> T {
    let task = Task { try await bridge.run() }
    defer { task.cancel() }
    let result = try await body()
    task.cancel()
    _ = await task.result
    return result
}

extension AvroValue {
    var string: String? { if case .string(let value) = self { value } else { nil } }
    var symbol: String? { if case .enumSymbol(let value) = self { value } else { nil } }
}
