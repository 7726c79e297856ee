// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "payments-bridge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "payments-bridge", targets: ["PaymentsBridge"]),
        // The libraries the benchmarks package (benchmarks/Package.swift) builds on.
        .library(name: "Kafka", targets: ["Kafka"]),
        .library(name: "Avro", targets: ["Avro"]),
        .library(name: "Payments", targets: ["Payments"]),
        .library(name: "ResponseCodec", targets: ["ResponseCodec"]),
        .library(name: "Bridge", targets: ["Bridge"]),
        .library(name: "Webhooks", targets: ["Webhooks"]),
        .library(name: "WebhooksTesting", targets: ["WebhooksTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C libraries, found with pkg-config; nothing else lives here.
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // librdkafka's mock cluster API (rdkafka_mock.h), for KafkaEmbedded only.
        .systemLibrary(name: "CRdKafkaMock", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CAvro", pkgConfig: "avro-c", providers: [.apt(["libavro-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // The few C wrappers Swift cannot call directly, one target per C library: librdkafka's
        // variadic functions (the mock cluster's in the explicit submodule CRdKafkaShims.Mock,
        // which only KafkaEmbedded imports) and avro-c's macro-based value API.
        .target(name: "CRdKafkaShims", dependencies: ["CRdKafka"]),
        .target(name: "CAvroShims", dependencies: ["CAvro"]),

        // librdkafka in Swift: configuration, producer, consumer, transactions, admin.
        .target(
            name: "Kafka",
            dependencies: [
                "Timing",
                "CRdKafka", "CRdKafkaShims",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The embedded broker (librdkafka's mock cluster) and its fault injection: the `embedded`
        // bootstrap value of App, and tests. It hands clients what it needs through their configuration.
        .target(name: "KafkaEmbedded", dependencies: ["Timing", "Kafka", "CRdKafkaMock", "CRdKafkaShims"]),
        // avro-c in Swift: schemas, encoding/decoding, Confluent framing, schema registry client, compatibility.
        .target(
            name: "Avro",
            dependencies: [
                "Timing",
                "CAvro", "CAvroShims",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Time helpers shared by every module: Duration in milliseconds and seconds, Date from and
        // to epoch milliseconds, ISO-8601 text.
        .target(name: "Timing"),
        // The domain: internal events, validation, mapping to PaymentResponse, every topic name (both ways),
        // JSON in (JSONValue) and out (JSONText).
        .target(name: "Payments", dependencies: ["Timing"]),
        // DLT records: writing them, and the `dlt` tool's reading, rendering (Codable) and replaying.
        .target(
            name: "DeadLetters",
            dependencies: ["Timing", "Kafka", "Avro", "Payments", .product(name: "Logging", package: "swift-log")]),
        // PaymentResponse ⇄ Avro: the bridge's direct encoder (and its binary writer) and the sink's
        // decoder (the writer's schema by id, fields by name).
        .target(name: "ResponseCodec", dependencies: ["Avro", "Payments"]),
        // consume → validate → map → encode → produce, exactly-once.
        .target(
            name: "Bridge",
            dependencies: [
                "Timing",
                "Kafka", "Avro", "Payments", "ResponseCodec", "DeadLetters",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // response records → signed webhooks: rendering, signing, delivery, retries, ordering, SSRF guard.
        .target(
            name: "Webhooks",
            dependencies: [
                "Timing",
                "Kafka", "Payments", "ResponseCodec", "DeadLetters", "Digest",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The payment history: a materialized view of the response topics, their DLTs and the
        // sink's attempt log, in SQLite (GRDB), exactly-once by storing Kafka positions with the rows.
        .target(
            name: "PaymentHistory",
            dependencies: [
                "Timing", "Kafka", "Payments", "ResponseCodec", "DeadLetters",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The partners' status API (its own listener): keys, per-key rates, answers from the history.
        .target(
            name: "PartnerAPI",
            dependencies: [
                "Digest", "PaymentHistory", "Payments", "Timing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/partner-openapi.yaml")]),
        // Test doubles of Webhooks for tests and benchmarks (an accelerated SinkClock); no production target depends on it.
        .target(name: "WebhooksTesting", dependencies: ["Timing", "Webhooks"]),
        // OpenSSL digests (HMAC-SHA256, SHA-256).
        .target(name: "Digest", dependencies: ["COpenSSL"]),
        // The control plane's state: secrets sealed at rest (AES-256-GCM, keys from the environment).
        .target(
            name: "ControlPlane",
            dependencies: ["Config", "Digest", "Kafka", "Timing", .product(name: "Logging", package: "swift-log")]),
        // The YAML configuration: typed keys, defaults, env overrides, validation, redaction.
        .target(
            name: "Config",
            dependencies: [
                "Timing",
                "Payments",
                .product(name: "Yams", package: "Yams"),
            ]),
        // Admin HTTP surface: health, readiness, metrics, read-only schema registry.
        .target(
            name: "Admin",
            dependencies: [
                "Avro", "Digest",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.embedInCode("Resources/admin-openapi.yaml")]),
        // Wires the pieces into one service group; called by the CLI and by tests.
        .target(
            name: "App",
            dependencies: [
                "Timing",
                "ControlPlane", "Kafka", "KafkaEmbedded", "Avro", "Config", "Admin", "Bridge", "Payments",
                "ResponseCodec", "Webhooks",
                "DeadLetters", "PaymentHistory", "PartnerAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        // `payments-bridge demo`: generated traffic, an in-process partner endpoint, the summary.
        .target(
            name: "Demo",
            dependencies: [
                "App", "Config", "Kafka", "Payments", "Timing", "Webhooks", "PaymentHistory", "Digest",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The executable: commands only.
        .executableTarget(
            name: "PaymentsBridge",
            dependencies: [
                "Admin", "App", "Demo", "Avro", "Config", "DeadLetters", "PaymentHistory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        .target(
            name: "TestSupport",
            dependencies: [
                "Digest", "Kafka", "KafkaEmbedded",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ], path: "Tests/TestSupport"),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "KafkaEmbedded", "TestSupport"]),
        .testTarget(
            name: "AvroTests",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                "Avro", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ], resources: [.copy("Fixtures")]),
        .testTarget(name: "DigestTests", dependencies: ["Digest"]),
        .testTarget(
            name: "ControlPlaneTests",
            dependencies: [
                "Admin", "App", "ControlPlane", "Config", "Digest", "Kafka", "KafkaEmbedded", "Payments", "Timing",
                "TestSupport", "Webhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .testTarget(name: "TimingTests", dependencies: ["Timing", "TestSupport"]),
        .testTarget(name: "PaymentsTests", dependencies: ["Payments"]),
        .testTarget(
            name: "ResponseCodecTests",
            dependencies: [
                "ResponseCodec", "Avro", "Payments", "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(
            name: "BridgeTests",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                "Bridge", "Kafka", "KafkaEmbedded", "Avro", "Payments", "DeadLetters", "TestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        .testTarget(
            name: "WebhooksTests",
            dependencies: [
                "Digest", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                "Webhooks", "WebhooksTesting", "Kafka", "Avro", "Payments", "ResponseCodec", "DeadLetters",
                "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .testTarget(
            name: "PaymentHistoryTests",
            dependencies: [
                "PaymentHistory", "PartnerAPI", "Kafka", "KafkaEmbedded", "Avro", "Payments", "ResponseCodec",
                "DeadLetters", "TestSupport", "Digest", "App", "Config", "Timing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "TestSupport"]),
        // The command line and the shipped deployment files, against the built executable.
        .testTarget(
            name: "AppTests",
            dependencies: [
                "Config", "TestSupport", "Payments",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .testTarget(
            name: "EndpointAuthenticationTests",
            dependencies: [
                "App", "Config", "Kafka", "KafkaEmbedded", "TestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .testTarget(
            name: "AdminTests",
            dependencies: [
                "Admin", "Avro", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .testTarget(
            name: "DeadLettersTests",
            dependencies: [
                "DeadLetters", "Avro", "Kafka", "Payments", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "DemoTests", dependencies: ["Demo", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "ReliabilityTests",
            dependencies: [
                "App", "Admin", "Config", "Kafka", "KafkaEmbedded", "Avro", "Webhooks", "WebhooksTesting",
                "DeadLetters",
                "Payments", "TestSupport",
            ]),
        .testTarget(
            name: "RealBrokerTests",
            dependencies: [
                "Timing",
                "Kafka", "Avro", "Bridge", "Payments", "TestSupport", "PaymentHistory", "Digest",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
