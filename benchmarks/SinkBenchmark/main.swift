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
import ResponseCodec
import SinkBenchmarkSupport
import Webhooks

let arguments = CommandLine.arguments
guard arguments.count >= 6, let count = Int(arguments[3]) else {
    FileHandle.standardError.write(
        Data(
            "usage: sink-bench BOOTSTRAP TENANT COUNT SCHEMA_FILE URL [--load-only | --skip-load] [--max-in-flight N]\n"
                .utf8))
    exit(2)
}
let partner = try BenchmarkPartner(
    bootstrapServers: arguments[1], clientID: "sink-bench", tenant: arguments[2], schemaFile: arguments[4])
let (kafka, tenant, registry) = (partner.kafka, partner.tenant, partner.registry)
let url = arguments[5]
let maxInFlight = arguments.firstIndex(of: "--max-in-flight").flatMap { Int(arguments[$0 + 1]) } ?? 64
let logger = benchmarkLogger("sink-bench")

func record(_ index: Int) throws -> ProducerRecord {
    let payment = "PAY-\(index % 10_000)"
    let types: [PaymentEventType] = [.initiated, .validated, .debited, .submittedToClearing, .completed]
    let type = types[index / 10_000 % 5]
    return try partner.record(eventID: UUID().uuidString.lowercased(), type: type, payment: payment, index: index)
}

if !arguments.contains("--skip-load") {
    let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
    for index in 0..<count { try await producer.enqueue(try record(index)) }
    try await producer.flush(timeout: .seconds(120))
    await producer.close()
    if arguments.contains("--load-only") { exit(0) }
}

let endpoint = benchmarkEndpoint(tenant: tenant, url: url, maxInFlight: maxInFlight)
var configuration = WebhookSink.Configuration(
    tenants: [.init(endpoint: endpoint)], retry: RetryPolicy(schedule: [.seconds(1)]))
configuration.consumerGroup = "sink-bench-\(UUID().uuidString.prefix(8))"
configuration.replicationFactor = 1
configuration.retryTopicPartitions = 1
// `--no-attempt-log`: the same sink without its attempt log (the log's cost is the difference).
let attemptLog = !arguments.contains("--no-attempt-log")
configuration.attemptLog = attemptLog
let sink = try WebhookSink(
    configuration: configuration, kafka: kafka, decoder: PaymentResponseDecoder(registry: registry),
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
print(
    """
    {"impl":"\(attemptLog ? "sink-swift" : "sink-swift-no-attempt-log")","max_in_flight":\(maxInFlight),"records":\(count),"delivered":\(totals.delivered),\
    "dead_lettered":\(totals.deadLettered),"retries":\(totals.retriesScheduled),"seconds":\(seconds),\
    "per_second":\(seconds > 0 ? Double(totals.delivered) / seconds : 0)}
    """)
