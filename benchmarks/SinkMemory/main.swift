// Webhook sink memory under a partner that fails part of its requests: writes PaymentResponse
// records to a partner topic at a steady RATE per second for SECONDS while WebhookSink delivers
// them with the service's retry schedule on a clock FACTOR times faster than the wall clock (so
// SECONDS × FACTOR of retry schedule pass), samples its own resident memory and the records
// parked in memory every 5 s, then waits until every record is delivered (the receiver is
// expected to stop failing when it is told, see benchmarks/sink/memory.sh) and prints one JSON
// line. eventId is "e-<index>", key "PAY-<index % PAYMENTS>", so the receiver's log shows order.
// Usage:
//   sink-memory BOOTSTRAP TENANT SCHEMA_FILE URL RATE SECONDS FACTOR [--payments N] [--max-in-flight N]
//               [--healed-flag FILE]   (FILE is created when the load phase ends)
import Avro
import Foundation
import Kafka
import Logging
import Metrics
import Payments
import ResponseCodec
import SinkBenchmarkSupport
import Synchronization
import Webhooks
import WebhooksTesting

let arguments = CommandLine.arguments
guard arguments.count >= 8, let rate = Int(arguments[5]), let seconds = Int(arguments[6]),
    let factor = Double(arguments[7])
else {
    FileHandle.standardError.write(
        Data(
            "usage: sink-memory BOOTSTRAP TENANT SCHEMA_FILE URL RATE SECONDS FACTOR [--payments N] [--max-in-flight N] [--healed-flag FILE]\n"
                .utf8))
    exit(2)
}
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let partner = try BenchmarkPartner(
    bootstrapServers: arguments[1], clientID: "sink-memory", tenant: arguments[2], schemaFile: arguments[3])
let (kafka, tenant, registry) = (partner.kafka, partner.tenant, partner.registry)
let payments = option("--payments").flatMap(Int.init) ?? 2000
let maxInFlight = option("--max-in-flight").flatMap(Int.init) ?? 64
let healedFlag = option("--healed-flag")
let count = rate * seconds
let logger = benchmarkLogger("sink-memory")

func record(_ index: Int) throws -> ProducerRecord {
    let payment = "PAY-\(index % payments)"
    return try partner.record(eventID: "e-\(index)", type: .validated, payment: payment, index: index)
}

/// Resident memory of this process, in MiB.
func residentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

let endpoint = benchmarkEndpoint(tenant: tenant, url: arguments[4], maxInFlight: maxInFlight)
// The service's default schedule (5 s … 8 h) and the default memory budget.
var configuration = WebhookSink.Configuration(
    tenants: [.init(endpoint: endpoint)],
    retry: RetryPolicy(
        schedule: [
            .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800),
            .seconds(3600), .seconds(7200), .seconds(14_400), .seconds(28_800), .seconds(28_800),
        ]))
configuration.consumerGroup = "sink-memory-\(UUID().uuidString.prefix(8))"
configuration.replicationFactor = 1
configuration.retryTopicPartitions = 4
let sink = try WebhookSink(
    configuration: configuration, kafka: kafka, decoder: PaymentResponseDecoder(registry: registry),
    clock: AcceleratedSinkClock(factor: factor), metricsFactory: NOOPMetricsHandler.instance, logger: logger)
let run = Task { try await sink.run() }

struct Sample {
    var second: Int
    var rssMiB: Double
    var parked: Int
    var delivered: Int
    var produced: Int
}
let started = ContinuousClock.now
func elapsedSeconds() -> Int { Int((ContinuousClock.now - started).components.seconds) }
let produced = Atomic<Int>(0)
let producing = Task {
    let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
    // Paced in 100 ms steps of RATE/10 records.
    let step = max(1, rate / 10)
    var next = ContinuousClock.now
    var index = 0
    while index < count {
        for _ in 0..<min(step, count - index) {
            try await producer.enqueue(try record(index))
            index += 1
        }
        produced.store(index, ordering: .relaxed)
        next += .milliseconds(100)
        try await Task.sleep(until: next)
    }
    try await producer.flush(timeout: .seconds(120))
    await producer.close()
}
var samples: [Sample] = []
var lastSample = -5
let deadline = ContinuousClock.now + .seconds(seconds + 1800)
var healed = false
while sink.totals.delivered < count, ContinuousClock.now < deadline {
    if elapsedSeconds() >= lastSample + 5 {
        lastSample = elapsedSeconds()
        let totals = sink.totals
        samples.append(
            Sample(
                second: lastSample, rssMiB: residentMiB(), parked: totals.pending, delivered: totals.delivered,
                produced: produced.load(ordering: .relaxed)))
        FileHandle.standardError.write(
            Data(
                "t=\(lastSample)s rss=\(Int(residentMiB()))MiB parked=\(totals.pending) delivered=\(totals.delivered)/\(produced.load(ordering: .relaxed))\n"
                    .utf8))
    }
    if !healed, produced.load(ordering: .relaxed) >= count, let healedFlag {
        healed = FileManager.default.createFile(atPath: healedFlag, contents: nil)
    }
    try await Task.sleep(for: .milliseconds(100))
}
try await producing.value
let totals = sink.totals
run.cancel()
_ = await run.result
let load = samples.filter { $0.second <= seconds }
let rss = load.map(\.rssMiB)
// Resident memory over the load phase: after the first minute (start-up, caches), its range.
let settled = load.filter { $0.second >= 60 }.map(\.rssMiB)
let series = samples.map { "[\($0.second),\(Int($0.rssMiB)),\($0.parked),\($0.delivered)]" }.joined(separator: ",")
print(
    """
    {"records":\(count),"rate":\(rate),"seconds":\(seconds),"clock_factor":\(factor),"simulated_hours":\(Double(seconds) * factor / 3600),\
    "delivered":\(totals.delivered),"dead_lettered":\(totals.deadLettered),"retries":\(totals.retriesScheduled),\
    "attempts":\(totals.attempts),"parked_peak":\(totals.pendingPeak),"rss_peak_mib":\(Int(rss.max() ?? 0)),\
    "rss_settled_min_mib":\(Int(settled.min() ?? 0)),"rss_settled_max_mib":\(Int(settled.max() ?? 0)),\
    "drain_seconds":\(max(0, elapsedSeconds() - seconds)),"samples":[\(series)]}
    """)
