// What the sink benchmarks share: their logger, the response records they write, and the
// loopback partner endpoint they deliver to.
import Avro
import Foundation
import Kafka
import Logging
import Payments
import Webhooks

/// Quiet unless SINK_BENCH_LOG names a level.
public func benchmarkLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel =
        ProcessInfo.processInfo.environment["SINK_BENCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}

/// The benchmark partner's side of Kafka: its response topic on the partner channel, and the
/// schema its records are written with (registered in an embedded registry the sink reads).
public struct BenchmarkPartner: Sendable {
    public let kafka: KafkaConfiguration
    public let tenant: String
    public let topic: String
    public let registry = EmbeddedSchemaRegistry()
    private let schema: AvroSchema
    private let schemaID: Int32

    public init(bootstrapServers: String, clientID: String, tenant: String, schemaFile: String) throws {
        kafka = KafkaConfiguration(
            bootstrapServers: bootstrapServers, clientID: clientID, properties: ["log_level": "3"])
        self.tenant = tenant
        topic = PaymentTopics.responses(channel: .partner, tenantId: tenant)
        schema = try AvroSchema(json: String(contentsOfFile: schemaFile, encoding: .utf8))
        schemaID = try registry.register(schema)
    }

    /// A framed response record for `payment`, keyed by it.
    public func record(eventID: String, type: PaymentEventType, payment: String, index: Int) throws -> ProducerRecord {
        let value = benchmarkResponse(eventID: eventID, type: type, payment: payment, tenant: tenant, index: index)
        return ProducerRecord(
            topic: topic, key: Array(payment.utf8), value: try schema.encodeFramed(value, schemaID: schemaID))
    }
}

/// A PaymentResponse record (the schema's fields, in order) for `payment` of `tenant`.
public func benchmarkResponse(eventID: String, type: PaymentEventType, payment: String, tenant: String, index: Int)
    -> AvroValue
{
    .record([
        .init("eventId", .string(eventID)), .init("eventType", .enumSymbol(type.rawValue)),
        .init("paymentId", .string(payment)), .init("tenantId", .string(tenant)),
        .init("customerId", .string("CUST-\(index % 10_000)")),
        .init("status", .enumSymbol(type.status!.rawValue)), .init("amount", .double(100.25 + Double(index % 900))),
        .init("currency", .string("EUR")), .init("debtorAccount", .string("DE89370400440532013000")),
        .init("creditorAccount", .string("FR1420041010050500013M02606")), .init("clearingSystem", .string("SEPA")),
        .init("clearingReference", .null), .init("failureReason", .null), .init("failureCode", .null),
        .init("timestamp", .long(1_764_000_000_123)), .init("correlationId", .string("corr-\(index)")),
        .init("idempotencyKey", .string("idem-\(payment)")), .init("metadata", .map(["channel": .string("api")])),
        .init("subReason", .null), .init("requiredAction", .null),
    ])
}

/// The benchmark partner: a loopback receiver over plain http, no rate limit.
public func benchmarkEndpoint(tenant: String, url: String, maxInFlight: Int) -> WebhookEndpoint.Settings {
    var endpoint = WebhookEndpoint.Settings(
        tenantID: tenant, url: url,
        secrets: ["whsec_" + Data("benchmark-partner-secret".utf8).base64EncodedString()])
    endpoint.allowPrivateNetwork = true
    endpoint.allowInsecureHttp = true
    endpoint.maxInFlight = maxInFlight
    endpoint.ratePerSecond = 1_000_000
    return endpoint
}
