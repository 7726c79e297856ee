import Avro
import Foundation
import Kafka
import Payments
import Prometheus
import TestSupport

@testable import ResponseCodec
@testable import Webhooks

let testSecret = "whsec_" + Data("partner-secret-key-0123456789".utf8).base64EncodedString()

/// An embedded cluster with response topics, a registry that knows the PaymentResponse schema,
/// and helpers to write response records and run the sink.
struct SinkHarness {
    let mock: MockKafka
    var kafka: KafkaConfiguration { mock.kafka }
    let schema: AvroSchema
    let schemaID: Int32
    let registry = EmbeddedSchemaRegistry()
    let metrics = PrometheusCollectorRegistry()
    let group = uniqueTopic("sink")

    init() throws {
        mock = try MockKafka(
            brokers: 1, clientID: "sink-tests", properties: ["topic.metadata.refresh.interval.ms": "500"])
        schema = try AvroSchema(json: paymentResponseSchemaText())
        schemaID = try registry.register(schema)
    }

    /// A fresh tenant id with its response topic (and DLT) created.
    func tenant(partitions: Int = 2) throws -> String {
        let tenant = uniqueTopic("T").replacingOccurrences(of: "_", with: "-")
        try mock.createTopics([topic(tenant), PaymentTopics.deadLetter(of: topic(tenant))], partitions: partitions)
        return tenant
    }

    func topic(_ tenant: String) -> String { "payments.responses.partner.\(tenant)" }

    /// Writes response records for the given (payment, event type) pairs, in order, keyed by payment.
    @discardableResult
    func write(
        _ tenant: String, _ events: [(String, PaymentEventType)],
        adjust: (Int, inout PaymentResponse) -> Void = { _, _ in }
    ) async throws -> [PaymentResponse] {
        let responses = events.enumerated().map { index, event in
            var response = sampleResponse(
                eventId: UUID().uuidString.lowercased(), paymentId: event.0, tenant: tenant, type: event.1)
            adjust(index, &response)
            return response
        }
        try await writeRaw(
            tenant,
            try responses.map {
                (Array($0.paymentId.utf8), try schema.encodeFramed($0.avroValue(), schemaID: schemaID))
            })
        return responses
    }

    func writeRaw(_ tenant: String, _ records: [(key: [UInt8], value: [UInt8])]) async throws {
        try await produceAll(
            records.map {
                ProducerRecord(
                    topic: topic(tenant), key: $0.key, value: $0.value,
                    headers: [KafkaHeader("tenantId", tenant)])
            },
            kafka: kafka)
    }

    func settings(
        _ tenant: String, url: String, secrets: [String] = [testSecret], allowPrivateNetwork: Bool = true,
        requestTimeout: Duration = .seconds(5)
    ) -> WebhookEndpoint.Settings {
        var settings = WebhookEndpoint.Settings(tenantID: tenant, url: url, secrets: secrets)
        settings.allowPrivateNetwork = allowPrivateNetwork
        settings.allowInsecureHttp = true
        settings.ratePerSecond = 10_000
        settings.requestTimeout = requestTimeout
        settings.connectTimeout = .seconds(1)
        return settings
    }

    func sink(
        _ tenants: [WebhookSink.Tenant], schedule: [Duration] = [.milliseconds(200)],
        minimumWindow: Duration = .zero, clock: SinkClock = SystemSinkClock(),
        group: String? = nil, registry: SchemaRegistry? = nil, breaker: CircuitBreaker.Settings? = nil,
        configure: (inout WebhookSink.Configuration) -> Void = { _ in }
    ) throws -> WebhookSink {
        var tenants = tenants
        if let breaker { for index in tenants.indices { tenants[index].endpoint.breaker = breaker } }
        var configuration = WebhookSink.Configuration(
            tenants: tenants, retry: RetryPolicy(schedule: schedule, minimumWindow: minimumWindow, jitter: 0))
        configuration.consumerGroup = group ?? self.group
        configuration.commitInterval = .milliseconds(100)
        configuration.sessionTimeout = .seconds(6)
        configuration.retryTopicPartitions = 2
        configure(&configuration)
        return try WebhookSink(
            configuration: configuration, kafka: kafka,
            decoder: PaymentResponseDecoder(registry: registry ?? self.registry),
            clock: clock, metricsFactory: PrometheusMetricsFactory(registry: metrics), logger: quietLogger)
    }

    /// The retry log as it stands: the latest entry of each key that is not tombstoned.
    func pendingRetries(group: String? = nil) async throws -> [String] {
        var latest: [String: Bool] = [:]
        for record in try await TopicSnapshot.records(
            PaymentTopics.retryLog(ofGroup: group ?? self.group), kafka: kafka, logger: quietLogger)
        {
            latest[String(decoding: record.key ?? [], as: UTF8.self)] = record.value != nil
        }
        return latest.filter(\.value).map(\.key).sorted()
    }

    func deadLetters(_ tenant: String, count: Int, timeout: Duration = .seconds(60)) async throws -> [ConsumerRecord] {
        try await readTopics([PaymentTopics.deadLetter(of: topic(tenant))], kafka: kafka, timeout: timeout) {
            $0.count >= count
        }
    }

    func metricsText() -> String {
        var buffer: [UInt8] = []
        metrics.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

/// Runs the sink while `body` runs, then stops it as a SIGTERM would.
func withSink<T: Sendable>(_ sink: WebhookSink, _ body: @Sendable () async throws -> T) async throws -> T {
    try await whileRunning({ try await sink.run() }, body)
}

/// Waits until `condition` holds, polling every 20 ms, or fails after `timeout`. These waits
/// bound no behaviour (tests that time something say so with their own limit): a sink's first
/// delivery on a fresh embedded cluster takes 4–12 s, and once, with every suite running in
/// parallel on a loaded machine, more than 20.
func eventually(
    timeout: Duration = .seconds(60), _ what: String = "condition",
    _ condition: @Sendable () -> Bool
) async throws {
    try await waitUntil(what, timeout: timeout, every: .milliseconds(20), condition)
}

extension ConsumerRecord {
    func header(_ name: String) -> String? { headers.last(named: name)?.stringValue }
}
