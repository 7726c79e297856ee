import Admin
import Avro
import Bridge
import Config
import Hummingbird
import Kafka
import Logging
import Payments
import Prometheus
import ServiceLifecycle

/// Builds the service from its configuration: the Kafka connection (or embedded broker), the
/// schemas, and the admin HTTP surface, run together in one service group with graceful
/// shutdown on SIGTERM/SIGINT. The CLI calls this; so do the tests.
public final class BridgeApplication: Sendable {
    public let configuration: BridgeConfiguration
    // Clients are declared (and so released) before the connection, which may own the
    // embedded broker they talk to.
    public let connectivity: ConnectivityMonitor
    public let bridge: BridgeService?
    public let kafka: KafkaConnection
    public let schemaRegistry: EmbeddedSchemaRegistry
    public let metrics: PrometheusCollectorRegistry
    private let logger: Logger

    public init(configuration: BridgeConfiguration, schemaDirectory: String,
                metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                logger: Logger = Logger(label: "payments-bridge")) throws {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        let directory = try SchemaDirectory(path: schemaDirectory)
        let registry = EmbeddedSchemaRegistry()
        for (name, text) in directory.current.sorted(by: { $0.key < $1.key }) {
            let id = try registry.register(try AvroSchema(json: text))
            logger.debug("schema loaded", metadata: ["schema": "\(name)", "id": "\(id)"])
        }
        schemaRegistry = registry
        let kafka = try KafkaConnection(settings: configuration.kafka)
        self.kafka = kafka
        connectivity = ConnectivityMonitor(admin: try KafkaAdmin(configuration: kafka.configuration, logger: logger),
                                           logger: logger)
        if configuration.bridge.enabled {
            guard let schemaText = directory.current["PaymentResponse"] else {
                throw ApplicationError("no PaymentResponse.avsc in \(schemaDirectory)")
            }
            let schemaIDs: SchemaRegistry = configuration.schemaRegistry.url.map {
                SchemaRegistryClient(configuration: .init(url: $0.value), logger: logger)
            } ?? registry
            bridge = try BridgeService(configuration: .init(configuration), kafka: kafka.configuration,
                                       schema: try AvroSchema(json: schemaText), registry: schemaIDs,
                                       metricsFactory: PrometheusMetricsFactory(registry: metrics),
                                       logger: logger)
        } else {
            bridge = nil
        }
    }

    public func readiness() async -> Readiness {
        var reasons: [String] = []
        let state = connectivity.current
        if !state.connected { reasons.append("kafka: \(state.lastError ?? "not connected yet")") }
        if let bridge, let reason = bridge.readiness.reason { reasons.append(reason) }
        return Readiness(isReady: reasons.isEmpty, reasons: reasons)
    }

    /// The admin HTTP application, listening on `admin.listen`.
    public func adminServer(onRunning: (@Sendable (Int) async -> Void)? = nil) -> some Service {
        let router = AdminRoutes.router(readiness: { [self] in await readiness() }, metrics: metrics,
                                        registry: configuration.schemaRegistry.url == nil ? schemaRegistry : nil)
        return Application(router: router,
                           configuration: .init(address: .hostname(configuration.admin.host, port: configuration.admin.port),
                                                serverName: "payments-bridge"),
                           onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    /// Runs until SIGTERM/SIGINT (or the task is cancelled), then shuts down gracefully.
    public func run(onAdminRunning: (@Sendable (Int) async -> Void)? = nil) async throws {
        logger.info("starting", metadata: ["kafka": "\(kafka.description)", "admin": "\(configuration.admin.listen)"])
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: connectivity), .init(service: adminServer(onRunning: onAdminRunning))]
                + (bridge.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup)] } ?? []),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}

struct ApplicationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension BridgeService.Configuration {
    /// The bridge's settings from the service configuration.
    init(_ configuration: BridgeConfiguration) {
        let bridge = configuration.bridge
        self.init(parser: PaymentEventParser(maxEventBytes: bridge.maxEventBytes,
                                             knownTenants: Set(configuration.tenants.map(\.id)),
                                             allowUnknownTenants: bridge.allowUnknownTenants))
        inputTopic = bridge.inputTopic
        consumerGroup = bridge.consumerGroup
        transactionalID = bridge.transactionalID
        partitions = bridge.topics.partitions
        replicationFactor = bridge.topics.replicationFactor
        retention = .seconds(bridge.topics.retentionDays * 86_400)
        deadLetterRetention = .seconds(bridge.topics.dltRetentionDays * 86_400)
        transactionMaxRecords = bridge.transactions.maxRecords
        transactionMaxInterval = bridge.transactions.maxInterval
    }
}
