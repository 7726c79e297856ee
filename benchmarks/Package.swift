// swift-tools-version:6.0
// The benchmarks (not tests), a package of their own on top of payments-bridge's libraries, as
// swift-kafka-client and Hummingbird keep theirs. Run them with benchmarks/run.sh.
import PackageDescription

/// Libraries of payments-bridge (the package one folder up).
func service(_ names: String...) -> [Target.Dependency] {
    names.map { .product(name: $0, package: "payments-bridge") }
}
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")

let package = Package(
    name: "payments-bridge-benchmarks",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "producer-bench", targets: ["ProducerBenchmark"]),
        .executable(name: "bridge-bench", targets: ["BridgeBenchmark"]),
        .executable(name: "sink-bench", targets: ["SinkBenchmark"]),
        .executable(name: "sink-memory", targets: ["SinkMemory"]),
        .executable(name: "instructions-bench", targets: ["InstructionsBenchmark"]),
        .executable(name: "http-floor-bench", targets: ["HTTPFloorBenchmark"]),
    ],
    dependencies: [
        .package(name: "payments-bridge", path: ".."),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        // The same swift-nio and async-http-client as payments-bridge's (for http-floor-bench).
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
    ],
    targets: [
        // The Swift KafkaProducer against a plain C loop (producer/raw_producer.c).
        .executableTarget(name: "ProducerBenchmark", dependencies: service("Kafka"), path: "ProducerBenchmark"),
        // The internal events the bridge benchmarks read (JSON).
        .target(name: "BenchmarkEvents", path: "BenchmarkEvents"),
        // The bridge against a C pass-through and a Python peer (bridge/).
        .executableTarget(
            name: "BridgeBenchmark",
            dependencies: ["BenchmarkEvents"] + service("Bridge", "Kafka", "Avro", "Payments") + [logging, metrics],
            path: "BridgeBenchmark"),
        // Instructions per record of the bridge's and the sink's own work, counted under callgrind.
        .executableTarget(
            name: "InstructionsBenchmark",
            dependencies: ["BenchmarkEvents"] + service("Bridge", "Avro", "Payments", "ResponseCodec", "Webhooks"),
            path: "InstructionsBenchmark"),
        // What the sink benchmarks share: logger, records, the partner's topic and endpoint.
        .target(
            name: "SinkBenchmarkSupport", dependencies: service("Webhooks", "Kafka", "Avro", "Payments") + [logging],
            path: "SinkBenchmarkSupport"),
        // The webhook sink against a Python sender and wrk (sink/).
        .executableTarget(
            name: "SinkBenchmark",
            dependencies: ["SinkBenchmarkSupport", logging, metrics]
                + service("Webhooks", "Kafka", "Avro", "Payments", "ResponseCodec"),
            path: "SinkBenchmark"),
        // The sink's memory under a failing partner (sink/memory.sh).
        .executableTarget(
            name: "SinkMemory",
            dependencies: ["SinkBenchmarkSupport", logging, metrics]
                + service("Webhooks", "WebhooksTesting", "Kafka", "Avro", "Payments", "ResponseCodec"),
            path: "SinkMemory"),
        // The HTTP client layer alone: AsyncHTTPClient against a minimal NIOHTTP1 client, no sink work.
        .executableTarget(
            name: "HTTPFloorBenchmark",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "HTTPFloorBenchmark"),
    ],
    swiftLanguageModes: [.v6]
)
