// Bridge throughput: pre-loads N internal events into an input topic, then runs BridgeService
// (exactly-once, Avro, embedded registry ids) until every one is committed, and prints one JSON
// line. Usage: bridge-bench BOOTSTRAP INPUT_TOPIC COUNT SCHEMA_FILE [--skip-load | --load-only]
// (--load-only writes the events and exits, so baselines can read the same input.)
import Avro
import Bridge
import Foundation
import Kafka
import Logging
import Metrics
import Payments

let arguments = CommandLine.arguments
guard arguments.count >= 5, let count = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: bridge-bench BOOTSTRAP INPUT_TOPIC COUNT SCHEMA_FILE [--skip-load]\n".utf8))
    exit(2)
}
let kafka = KafkaConfiguration(bootstrapServers: arguments[1], clientID: "bridge-bench", properties: ["log_level": "3"])
let inputTopic = arguments[2]
var logger = Logger(label: "bridge-bench")
logger.logLevel = .error

func event(_ index: Int) -> [UInt8] {
    let payment = index % 10_000
    let types = ["PaymentInitiatedEvent", "PaymentValidatedEvent", "FundsDebitedEvent", "ClearingSubmittedEvent", "PaymentCompletedEvent"]
    let json = """
    {"eventId":"\(UUID().uuidString.lowercased())","eventType":"\(types[index / 10_000 % 5])","paymentId":"PAY-\(payment)",\
    "tenantId":"TENANT-\(String(format: "%03d", payment % 10))","channelType":"PARTNER","customerId":"CUST-\(payment)",\
    "debtorAccount":"DE89370400440532013000","creditorAccount":"FR1420041010050500013M02606","currency":"EUR",\
    "amount":\(100 + payment % 900).25,"timestamp":1764000000123,"correlationId":"corr-\(index)","idempotencyKey":"idem-\(payment)"}
    """
    return Array(json.utf8)
}

if !arguments.contains("--skip-load") {
    let loader = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
    for index in 0..<count {
        try await loader.enqueue(ProducerRecord(topic: inputTopic, key: Array("PAY-\(index % 10_000)".utf8), value: event(index)),
                                 token: UInt(index))
    }
    try await loader.flush(timeout: .seconds(300))
    await loader.close()
    if arguments.contains("--load-only") { exit(0) }
}

let schema = try AvroSchema(json: String(contentsOfFile: arguments[4], encoding: .utf8))
var configuration = BridgeService.Configuration(parser: PaymentEventParser(
    knownTenants: Set((0..<10).map { "TENANT-\(String(format: "%03d", $0))" })))
configuration.inputTopic = inputTopic
configuration.consumerGroup = "bridge-bench-\(UUID().uuidString.prefix(8))"
configuration.transactionalID = "bridge-bench-\(UUID().uuidString.prefix(8))"
configuration.partitions = [.partner: 4]
configuration.replicationFactor = 1
if let maxRecords = ProcessInfo.processInfo.environment["BRIDGE_MAX_RECORDS"].flatMap(Int.init) {
    configuration.transactionMaxRecords = maxRecords
}
if let interval = ProcessInfo.processInfo.environment["BRIDGE_MAX_INTERVAL_MS"].flatMap(Int.init) {
    configuration.transactionMaxInterval = .milliseconds(interval)
}
let bridge = try BridgeService(configuration: configuration, kafka: kafka, schema: schema, registry: EmbeddedSchemaRegistry(),
                               metricsFactory: NOOPMetricsHandler.instance, logger: logger)
let task = Task { try await bridge.run() }
// Time from the first committed transaction (group joined, topics made) to the last.
while bridge.committedRecordCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
let start = ContinuousClock.now
let startCount = bridge.committedRecordCount
while bridge.committedRecordCount < count { try await Task.sleep(for: .milliseconds(5)) }
let elapsed = ContinuousClock.now - start
task.cancel()
_ = await task.result
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(#"{"impl":"bridge-swift","events":\#(count - startCount),"seconds":\#(String(format: "%.3f", seconds)),"per_second":\#(Int(Double(count - startCount) / seconds))}"#)
exit(0)
