// Bridge throughput: pre-loads N internal events into an input topic, then runs BridgeService
// (exactly-once, Avro, embedded registry ids) until every one is committed, and prints one JSON
// line. Usage: bridge-bench BOOTSTRAP INPUT_TOPIC COUNT SCHEMA_FILE [--skip-load | --load-only | --latency RATE
// [--external SUFFIX]]
// (--load-only writes the events and exits, so baselines can read the same input.
//  --latency RATE sends COUNT events at RATE per second while the bridge runs, and reports the
//  time from sending an event to a read_committed consumer receiving its response: p50/p99/p99.9;
//  with --external SUFFIX it runs no bridge and measures another implementation's, whose partner
//  topics carry SUFFIX.)
import Avro
import BenchmarkEvents
import Bridge
import Foundation
import Kafka
import Logging
import Metrics
import Payments

let arguments = CommandLine.arguments
guard arguments.count >= 5, let count = Int(arguments[3]) else {
    FileHandle.standardError.write(
        Data("usage: bridge-bench BOOTSTRAP INPUT_TOPIC COUNT SCHEMA_FILE [--skip-load]\n".utf8))
    exit(2)
}
let kafka = KafkaConfiguration(
    bootstrapServers: arguments[1], clientID: "bridge-bench",
    properties: [
        "log_level": "3", "fetch.wait.max.ms": ProcessInfo.processInfo.environment["FETCH_WAIT_MAX_MS"] ?? "500",
    ])
let inputTopic = arguments[2]
let logger: Logger = {
    var logger = Logger(label: "bridge-bench")
    logger.logLevel =
        ProcessInfo.processInfo.environment["BRIDGE_BENCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}()

/// Events are spread over this many tenants (topics); BENCH_TENANTS, default 10.
let tenants = ProcessInfo.processInfo.environment["BENCH_TENANTS"].flatMap(Int.init) ?? 10

func event(_ index: Int) -> [UInt8] {
    benchmarkEvent(
        index, tenants: tenants, eventID: UUID().uuidString.lowercased(),
        eventType: benchmarkEventTypes[index / 10_000 % 5])
}

let latencyRate = arguments.firstIndex(of: "--latency").flatMap {
    arguments.count > $0 + 1 ? Int(arguments[$0 + 1]) : nil
}

if !arguments.contains("--skip-load"), latencyRate == nil {
    let loader = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
    for index in 0..<count {
        try await loader.enqueue(
            ProducerRecord(topic: inputTopic, key: Array("PAY-\(index % 10_000)".utf8), value: event(index)),
            token: UInt(index))
    }
    try await loader.flush(timeout: .seconds(300))
    await loader.close()
    if arguments.contains("--load-only") { exit(0) }
}

let schema = try AvroSchema(json: String(contentsOfFile: arguments[4], encoding: .utf8))
let configuration: BridgeService.Configuration = {
    var configuration = BridgeService.Configuration(
        parser: PaymentEventParser(
            knownTenants: Set((0..<tenants).map { benchmarkTenant($0, tenants: tenants) })))
    configuration.inputTopic = inputTopic
    configuration.consumerGroup = "bridge-bench-\(UUID().uuidString.prefix(8))"
    configuration.transactionalID = "bridge-bench-\(UUID().uuidString.prefix(8))"
    configuration.partitions = [
        .partner: ProcessInfo.processInfo.environment["BENCH_RESPONSE_PARTITIONS"].flatMap(Int.init) ?? 4
    ]
    configuration.replicationFactor = 1
    let environment = ProcessInfo.processInfo.environment
    if let maxRecords = environment["BRIDGE_MAX_RECORDS"].flatMap(Int.init) {
        configuration.transactionMaxRecords = maxRecords
    }
    if let lag = environment["BRIDGE_LAG_INTERVAL_S"].flatMap(Int64.init) {
        configuration.lagInterval = .seconds(lag)
    }
    if let interval = environment["BRIDGE_MAX_INTERVAL_MS"].flatMap(Int.init) {
        configuration.transactionMaxInterval = .milliseconds(interval)
    }
    return configuration
}()
// `--external SUFFIX`: another implementation (the Python EOS peer) runs the bridge in its own
// process and writes to the partner topics with SUFFIX appended; only the latency is measured.
if let rate = latencyRate, let at = arguments.firstIndex(of: "--external"), arguments.count > at + 1 {
    let suffix = arguments[at + 1]
    let probe = try KafkaConsumer(
        configuration: ConsumerConfiguration(kafka: kafka, groupID: "latency-probe-\(UUID().uuidString.prefix(8))"),
        logger: logger)
    try await measureLatency(rate: rate, suffix: suffix) {
        var written: Int64 = 0
        for tenant in 0..<tenants {
            for partition in 0..<Int32(configuration.partitions[.partner, default: 1]) {
                let topic = "payments.responses.partner.TENANT-\(String(format: "%03d", tenant))\(suffix)"
                written += (try? await probe.watermarks(TopicPartition(topic: topic, partition: partition)).high) ?? 0
            }
        }
        return written >= 100
    }
    await probe.close()
    exit(0)
}

let bridge = try BridgeService(
    configuration: configuration, kafka: kafka, schema: schema, registry: EmbeddedSchemaRegistry(),
    metricsFactory: NOOPMetricsHandler.instance, logger: logger)
let task = Task { try await bridge.run() }

if let rate = latencyRate {
    try await measureLatency(rate: rate, suffix: "") { bridge.committedRecordCount >= 100 }
    task.cancel()
    _ = await task.result
    exit(0)
}

/// Sends `count` events at `rate`/s (each carrying its send time in correlationId) and measures,
/// per event, the time until a read_committed consumer receives the response.
func measureLatency(rate: Int, suffix: String, warmedUp: () async -> Bool) async throws {
    let base = ContinuousClock.now
    // Responses of earlier runs on the same broker carry another run's clock: skip them.
    let run = String(UUID().uuidString.prefix(8))
    func nanos() -> Int64 {
        let d = ContinuousClock.now - base
        return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
    // Warm up first (topics created, group joined), so the reader finds every topic it subscribes to.
    let sender = try KafkaProducer(
        configuration: {
            var c = ProducerConfiguration(kafka: kafka)
            c.linger = .milliseconds(1)
            return c
        }(),
        logger: logger)
    for index in 0..<100 {
        try await sender.send(
            ProducerRecord(
                topic: inputTopic, key: Array("PAY-\(index)".utf8),
                value: latencyEvent(index, sentAt: -1, run: run)))
    }
    while await !warmedUp() { try await Task.sleep(for: .milliseconds(10)) }
    var readerConfiguration = ConsumerConfiguration(
        kafka: kafka, groupID: "latency-reader-\(UUID().uuidString.prefix(8))")
    readerConfiguration.offsetReset = .latest
    readerConfiguration.maxPollInterval = .seconds(10)
    readerConfiguration.sessionTimeout = .seconds(6)
    let reader = try KafkaConsumer(configuration: readerConfiguration, logger: logger)
    // Assigned at each partition's end, so no response sent from now on is missed (a subscription
    // with offsetReset latest can resolve "latest" after the first responses arrived).
    var ends: [TopicPartitionOffset] = []
    for tenant in 0..<tenants {
        for partition in 0..<Int32(configuration.partitions[.partner, default: 1]) {
            let topic = "payments.responses.partner.TENANT-\(String(format: "%03d", tenant))\(suffix)"
            let (_, high) = try await reader.watermarks(TopicPartition(topic: topic, partition: partition))
            ends.append(TopicPartitionOffset(topic: topic, partition: partition, offset: high))
        }
    }
    try reader.assign(ends)
    var samples: [Int64] = []
    samples.reserveCapacity(count)
    let receiving = Task {
        var seen: [Int64] = []
        let deadline = ContinuousClock.now + .seconds(Int64(count / rate + 30))
        while seen.count < count, ContinuousClock.now < deadline {
            for record in await reader.poll(timeout: .milliseconds(20)) {
                guard let correlation = record.headers.last(named: "correlationId")?.stringValue,
                    correlation.hasPrefix("lat-\(run)-"), let sent = Int64(correlation.dropFirst(13)), sent >= 0
                else { continue }
                seen.append(nanos() - sent)
            }
        }
        return seen
    }
    let interval = 1_000_000_000 / Int64(rate)
    var behind: [Int64] = []
    // The schedule starts now, after the warm-up.
    let start = nanos()
    for index in 0..<count {
        let due = start + Int64(index) * interval
        let now = nanos()
        if due > now {
            // A tight tolerance keeps the pace even (the default lets sleeps run long and the
            // sender catch up in bursts).
            try await Task.sleep(until: base + .nanoseconds(due), tolerance: .microseconds(50), clock: .continuous)
        }
        let sentAt = nanos()
        behind.append(sentAt - due)
        try await sender.enqueue(
            ProducerRecord(
                topic: inputTopic, key: Array("PAY-\(index % 10_000)".utf8),
                value: latencyEvent(index, sentAt: sentAt, run: run)), token: UInt(index))
    }
    samples = await receiving.value
    behind.sort()
    if !behind.isEmpty {
        logger.info(
            "sender pacing",
            metadata: [
                "behind_p50_ms": "\(Double(behind[behind.count / 2]) / 1e6)",
                "behind_max_ms": "\(Double(behind.last!) / 1e6)",
            ])
    }
    await sender.close()
    await reader.close()
    samples.sort()
    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        return Double(samples[min(samples.count - 1, Int(Double(samples.count) * p))]) / 1e6
    }
    print(
        #"{"impl":"\#(suffix.isEmpty ? "bridge-swift-latency" : "external\(suffix)-latency")","rate":\#(rate),"events":\#(count),"received":\#(samples.count),"p50_ms":\#(String(format: "%.1f", percentile(0.5))),"p99_ms":\#(String(format: "%.1f", percentile(0.99))),"p999_ms":\#(String(format: "%.1f", percentile(0.999)))}"#
    )
}

func latencyEvent(_ index: Int, sentAt: Int64, run: String) -> [UInt8] {
    var bytes = event(index)
    // Replace the correlation id with the run and the send time.
    let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
        of: "\"correlationId\":\"corr-\(index)\"",
        with: "\"correlationId\":\"lat-\(run)-\(sentAt)\"")
    bytes = Array(text.utf8)
    return bytes
}

// Time from the first committed transaction (group joined, topics made) to the last.
while bridge.committedRecordCount == 0 { try await Task.sleep(for: .milliseconds(1)) }
let start = ContinuousClock.now
let startCount = bridge.committedRecordCount
while bridge.committedRecordCount < count { try await Task.sleep(for: .milliseconds(5)) }
let elapsed = ContinuousClock.now - start
task.cancel()
_ = await task.result
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(
    #"{"impl":"bridge-swift","events":\#(count - startCount),"seconds":\#(String(format: "%.3f", seconds)),"per_second":\#(Int(Double(count - startCount) / seconds))}"#
)
exit(0)
