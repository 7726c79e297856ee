// Webhook sink throughput: pre-loads N PaymentResponse records (Confluent-framed Avro) into a
// partner topic, then runs WebhookSink against a receiver URL until every record is delivered,
// and prints one JSON line. Usage:
//   sink-bench BOOTSTRAP TENANT COUNT SCHEMA_FILE URL [--load-only | --skip-load] [--max-in-flight N]
// (--load-only writes the records and exits, so the baselines can read the same input.)
import Avro
import Foundation
import Kafka
import Logging
import Metrics
import Payments
import Webhooks

let arguments = CommandLine.arguments
guard arguments.count >= 6, let count = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: sink-bench BOOTSTRAP TENANT COUNT SCHEMA_FILE URL [--load-only | --skip-load] [--max-in-flight N]\n".utf8))
    exit(2)
}
let kafka = KafkaConfiguration(bootstrapServers: arguments[1], clientID: "sink-bench", properties: ["log_level": "3"])
let tenant = arguments[2]
let topic = PaymentTopics.responses(channel: .partner, tenantId: tenant)
let schema = try AvroSchema(json: String(contentsOfFile: arguments[4], encoding: .utf8))
let registry = EmbeddedSchemaRegistry()
let schemaID = try registry.register(schema)
let url = arguments[5]
let maxInFlight = arguments.firstIndex(of: "--max-in-flight").flatMap { Int(arguments[$0 + 1]) } ?? 64
let secret = "whsec_" + Data("benchmark-partner-secret".utf8).base64EncodedString()
let logger: Logger = {
    var logger = Logger(label: "sink-bench")
    logger.logLevel = ProcessInfo.processInfo.environment["SINK_BENCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}()

func record(_ index: Int) throws -> ProducerRecord {
    let payment = "PAY-\(index % 10_000)"
    let types: [PaymentEventType] = [.initiated, .validated, .debited, .submittedToClearing, .completed]
    let type = types[index / 10_000 % 5]
    let value: AvroValue = .record([
        .init("eventId", .string(UUID().uuidString.lowercased())), .init("eventType", .enumSymbol(type.rawValue)),
        .init("paymentId", .string(payment)), .init("tenantId", .string(tenant)), .init("customerId", .string("CUST-\(index % 10_000)")),
        .init("status", .enumSymbol(type.status!.rawValue)), .init("amount", .double(100.25 + Double(index % 900))),
        .init("currency", .string("EUR")), .init("debtorAccount", .string("DE89370400440532013000")),
        .init("creditorAccount", .string("FR1420041010050500013M02606")), .init("clearingSystem", .string("SEPA")),
        .init("clearingReference", .null), .init("failureReason", .null), .init("failureCode", .null),
        .init("timestamp", .long(1_764_000_000_123)), .init("correlationId", .string("corr-\(index)")),
        .init("idempotencyKey", .string("idem-\(payment)")), .init("metadata", .map(["channel": .string("api")])),
        .init("subReason", .null), .init("requiredAction", .null),
    ])
    return ProducerRecord(topic: topic, key: Array(payment.utf8), value: try schema.encodeFramed(value, schemaID: schemaID))
}

if !arguments.contains("--skip-load") {
    let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
    for index in 0..<count { try await producer.enqueue(try record(index)) }
    try await producer.flush(timeout: .seconds(120))
    await producer.close()
    if arguments.contains("--load-only") { exit(0) }
}

var endpoint = WebhookEndpoint.Settings(tenantID: tenant, url: url, secrets: [secret])
endpoint.allowPrivateNetwork = true
endpoint.allowInsecureHttp = true
endpoint.maxInFlight = maxInFlight
endpoint.ratePerSecond = 1_000_000
var configuration = WebhookSink.Configuration(tenants: [.init(endpoint: endpoint)], retry: RetryPolicy(schedule: [.seconds(1)]))
configuration.consumerGroup = "sink-bench-\(UUID().uuidString.prefix(8))"
configuration.replicationFactor = 1
configuration.retryTopicPartitions = 1
let sink = try WebhookSink(configuration: configuration, kafka: kafka, decoder: PaymentResponseDecoder(registry: registry),
                           metricsFactory: NOOPMetricsHandler.instance, logger: logger)
let run = Task { try await sink.run() }
var first: ContinuousClock.Instant?
let deadline = ContinuousClock.now + .seconds(600)
while sink.totals.delivered + sink.totals.deadLettered < count, ContinuousClock.now < deadline {
    if first == nil, sink.totals.delivered > 0 { first = .now }
    try await Task.sleep(for: .milliseconds(2))
}
let last = ContinuousClock.now
let totals = sink.totals
run.cancel()
_ = await run.result
let elapsed = last - (first ?? last)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print("""
{"impl":"sink-swift","max_in_flight":\(maxInFlight),"records":\(count),"delivered":\(totals.delivered),\
"dead_lettered":\(totals.deadLettered),"retries":\(totals.retriesScheduled),"seconds":\(seconds),\
"per_second":\(seconds > 0 ? Double(totals.delivered) / seconds : 0)}
""")
