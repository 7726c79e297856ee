import Admin
import Avro
import Bridge
import Config
import ControlPlane
import Foundation
import Hummingbird
import Kafka
import Logging
import PartnerAPI
import PaymentHistory
import Payments
import Prometheus
import ResponseCodec
import ServiceLifecycle
import UnixSignals
import Webhooks

/// Builds the service from its configuration: the Kafka connection (or embedded broker), the
/// schemas, and the admin HTTP surface, run together in one service group with graceful
/// shutdown on SIGTERM/SIGINT. The CLI calls this; so do the tests.
public final class BridgeApplication: Sendable {
    public let configuration: BridgeConfiguration
    // Clients are declared (and so released) before the connection, which may own the
    // embedded broker they talk to.
    public let connectivity: ConnectivityMonitor
    public let bridge: BridgeService?
    public let sink: WebhookSink?
    /// The control plane's tenants (`controlPlane.enabled`).
    public let tenantStore: TenantStore?
    /// The payment history (`history.enabled`): the status API's and the trace's source.
    public let history: HistoryIngest?
    public let kafka: KafkaConnection
    public let schemaRegistry: EmbeddedSchemaRegistry
    public let metrics: PrometheusCollectorRegistry
    private let logger: Logger

    /// The service's version, sent as `User-Agent: payments-bridge/<version>`.
    public static let version = "0.2.0"

    /// - Parameter kafka: the connection to use instead of the one `configuration.kafka` describes
    ///   (tests that own the embedded cluster the service runs on).
    public init(
        configuration: BridgeConfiguration, schemaDirectory: String, kafka: KafkaConnection? = nil,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        sinkClock: SinkClock = SystemSinkClock(),
        logger: Logger = Logger(label: "payments-bridge")
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        let directory = try SchemaDirectory(path: schemaDirectory)
        let registry = EmbeddedSchemaRegistry()
        // Every version, kept ones too: records written before an upgrade still resolve by id.
        for (name, versions) in directory.schemas.sorted(by: { $0.key < $1.key }) {
            for version in versions {
                let id = try registry.register(try AvroSchema(json: version.text))
                logger.debug(
                    "schema loaded", metadata: ["schema": "\(name)", "file": "\(version.file)", "id": "\(id)"])
            }
        }
        schemaRegistry = registry
        let kafka = try kafka ?? KafkaConnection(settings: configuration.kafka)
        self.kafka = kafka
        let metricsFactory = PrometheusMetricsFactory(registry: metrics)
        connectivity = ConnectivityMonitor(
            admin: try KafkaAdmin(configuration: kafka.configuration, logger: logger),
            metricsFactory: metricsFactory, logger: logger)
        let schemaIDs: SchemaRegistry =
            configuration.schemaRegistry.url.map {
                SchemaRegistryClient(configuration: .init(url: $0.value), logger: logger)
            } ?? registry
        if configuration.bridge.enabled {
            let versions = directory.numberedVersions(of: "PaymentResponse")
            let wanted = configuration.bridge.schemaVersion
            guard let written = versions.first(where: { $0.number == wanted }) else {
                throw ApplicationError(
                    .unknownSchemaVersion,
                    "bridge.schemaVersion \(wanted): no such version of PaymentResponse in \(schemaDirectory) "
                        + "(versions: \(versions.map { String($0.number) }.joined(separator: ", ")))")
            }
            // The embedded registry lists, under each partner subject, the versions up to the one written.
            try registry.setHistory(versions.filter { $0.number <= wanted }.map { try AvroSchema(json: $0.text) })
            bridge = try BridgeService(
                configuration: .init(configuration), kafka: kafka.configuration,
                schema: try AvroSchema(json: written.text), registry: schemaIDs,
                metricsFactory: metricsFactory,
                logger: logger)
        } else {
            bridge = nil
        }
        let sinkConfiguration = try WebhookSink.Configuration(configuration)
        if configuration.sink.enabled, !sinkConfiguration.tenants.isEmpty || configuration.controlPlane.enabled {
            sink = try WebhookSink(
                configuration: sinkConfiguration, kafka: kafka.configuration,
                decoder: PaymentResponseDecoder(registry: schemaIDs), clock: sinkClock,
                metricsFactory: metricsFactory, logger: logger)
        } else {
            sink = nil
        }
        if configuration.history.enabled {
            let path = URL(fileURLWithPath: configuration.state.directory)
                .appendingPathComponent(BridgeConfiguration.History.fileName).path
            let store: HistoryStore
            do { store = try HistoryStore(path: path) } catch {
                throw ApplicationError(
                    .stateDirectory, "cannot open the payment history at \(path) (state.directory): \(error)")
            }
            history = try HistoryIngest(
                store: store,
                configuration: .init(
                    attemptTopic: configuration.sink.enabled ? sinkConfiguration.attemptLogTopic : nil),
                kafka: kafka.configuration, decoder: PaymentResponseDecoder(registry: schemaIDs),
                metricsFactory: metricsFactory, logger: logger)
        } else {
            history = nil
        }
        if configuration.controlPlane.enabled {
            var settings = TenantStore.Settings(
                topic: configuration.controlPlane.topic, auditTopic: configuration.controlPlane.auditTopic)
            settings.replicationFactor = configuration.bridge.topics.replicationFactor
            let store = try TenantStore(
                settings: settings, kafka: kafka.configuration,
                keys: try StateKeys(base64Keys: configuration.controlPlane.stateKeys.map(\.value)),
                configured: configuration.tenants, logger: logger)
            // The bridge answers the control plane's tenants too, from the next record read on;
            // the sink follows their webhook settings and operational state.
            store.onChange { [weak store, bridge, sink, configuration] _ in
                guard let store else { return }
                let entries = store.entries
                bridge?.setAddedTenants(Set(entries.filter { $0.source == .controlPlane }.map(\.tenant.id)))
                sink?.update(
                    tenants: Self.sinkTenants(entries.map { ($0.tenant, $0.record) }, configuration, sink, logger))
            }
            // A 410 disables a control-plane tenant on every instance (until `enable`).
            sink?.onEndpointGone { [weak store, logger] id in
                guard let store, let entry = store.entry(id), entry.source == .controlPlane,
                    entry.record?.disabledReason == nil
                else { return }
                Task {
                    do {
                        _ = try await store.update(id, by: "webhook-sink", action: .disable) {
                            $0.disabledReason = "the endpoint answered 410 Gone"
                        }
                    } catch {
                        logger.error(
                            "cannot record in the tenants topic that an endpoint is gone",
                            metadata: ["tenant": "\(id)", "error": "\(error)"])
                    }
                }
            }
            tenantStore = store
        } else {
            tenantStore = nil
        }
    }

    /// The webhook tenants as the sink serves them, their TLS files read again; a tenant whose
    /// files cannot be used now keeps what the sink has (logged).
    static func sinkTenants(
        _ tenants: [(BridgeConfiguration.Tenant, TenantRecord?)], _ configuration: BridgeConfiguration,
        _ sink: WebhookSink?, _ logger: Logger
    ) -> [WebhookSink.Tenant] {
        tenants.compactMap { tenant, record in
            do { return try WebhookSink.Tenant(tenant, configuration: configuration, record: record) } catch {
                logger.error(
                    "a webhook tenant's TLS files cannot be used; it keeps its current ones",
                    metadata: ["tenant": "\(tenant.id)", "error": "\(error)"])
                return sink?.tenant(tenant.id)
            }
        }
    }

    /// Reads every webhook tenant's TLS files again (SIGHUP): a renewed client certificate or CA
    /// bundle takes the next request; nothing else changes.
    public func reloadTLS() {
        guard let sink else { return }
        let tenants: [(BridgeConfiguration.Tenant, TenantRecord?)] =
            tenantStore?.entries.map { ($0.tenant, $0.record) } ?? configuration.tenants.map { ($0, nil) }
        sink.update(tenants: Self.sinkTenants(tenants, configuration, sink, logger))
        logger.info("TLS files read again")
    }

    public func readiness() async -> Readiness {
        var reasons: [String] = []
        let state = connectivity.current
        if !state.connected { reasons.append("kafka: \(state.lastError ?? "not connected yet")") }
        if let bridge, let reason = bridge.readiness.reason { reasons.append(reason) }
        if let sink, let reason = sink.readiness.reason { reasons.append(reason) }
        if let tenantStore, !tenantStore.isLoaded { reasons.append("control plane: reading the tenants topic") }
        return Readiness(isReady: reasons.isEmpty, reasons: reasons)
    }

    /// The tenants as they are now: the control plane's (with the file's), or the file's.
    public var currentTenants: [BridgeConfiguration.Tenant] {
        tenantStore?.entries.map(\.tenant) ?? configuration.tenants
    }

    /// The partners' status API on `partnerApi.listen`; nil when it is off.
    public func partnerServer(onRunning: (@Sendable (Int) async -> Void)? = nil) -> (any Service)? {
        guard let history, let host = configuration.partnerAPI.host else { return nil }
        let tenants = PartnerTenants(keys: [:], webhookTenants: [])
        let refresh: @Sendable () -> Void = { [self] in
            let current = currentTenants
            tenants.replace(
                keys: Dictionary(current.map { ($0.id, $0.statusAPIKeys) }) { first, _ in first },
                webhookTenants: Set(current.filter { $0.delivery == .webhook }.map(\.id)))
        }
        refresh()
        tenantStore?.onChange { _ in refresh() }
        let router = PartnerRoutes.router(
            store: history.store, tenants: tenants,
            settings: .init(
                ratePerSecond: configuration.partnerAPI.ratePerSecond, burst: configuration.partnerAPI.burst))
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(host, port: configuration.partnerAPI.port), serverName: "payments-bridge"),
            onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// A payment's trace as JSON (the admin API's `GET /admin/payments/{paymentId}`).
    private func traceDocument(_ paymentId: String) async throws -> [UInt8]? {
        guard let history else { return nil }
        let document = TraceDocument(try await history.store.trace(paymentId: paymentId))
        guard !document.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(document))
    }

    /// The admin HTTP application, listening on `admin.listen`.
    public func adminServer(onRunning: (@Sendable (Int) async -> Void)? = nil) -> some Service {
        let tenants: any TenantAdministration =
            tenantStore.map { ControlPlaneTenants(store: $0) }
            ?? ConfiguredTenants(configuration.tenants.map { TenantView($0) })
        var trace: AdminRoutes.PaymentTraces?
        if history != nil { trace = { [self] paymentId in try await traceDocument(paymentId) } }
        let router = AdminRoutes.router(
            readiness: { [self] in await readiness() }, metrics: metrics,
            registry: configuration.schemaRegistry.url == nil ? schemaRegistry : nil,
            authenticator: AdminAuthenticator(tokens: configuration.admin.tokens.map { ($0.name, $0.token.value) }),
            tenants: tenants, trace: trace)
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.admin.host, port: configuration.admin.port),
                serverName: "payments-bridge"),
            onServerRunning: { channel in await onRunning?(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Runs until SIGTERM/SIGINT (or the task is cancelled), then shuts down gracefully.
    public func run(
        onAdminRunning: (@Sendable (Int) async -> Void)? = nil,
        onPartnerAPIRunning: (@Sendable (Int) async -> Void)? = nil
    ) async throws {
        logger.info(
            "starting",
            metadata: [
                "kafka": "\(kafka.description)", "admin": "\(configuration.admin.listen)",
                "librdkafka": "\(KafkaLibrary.version)",
            ])
        for issue in KafkaLibrary.knownIssues {
            logger.warning("librdkafka \(KafkaLibrary.version): \(issue); use librdkafka 2.3.0 or later")
        }
        for tenant in configuration.tenants {
            guard let webhook = tenant.webhook, webhook.allowInsecureHttp || webhook.allowPrivateNetwork else {
                continue
            }
            logger.warning(
                "development setting: webhooks may go to plain http or private addresses; for local receivers only",
                metadata: [
                    "tenant": "\(tenant.id)", "allowInsecureHttp": "\(webhook.allowInsecureHttp)",
                    "allowPrivateNetwork": "\(webhook.allowPrivateNetwork)",
                ])
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: connectivity), .init(service: adminServer(onRunning: onAdminRunning))]
                    + ([
                        bridge as (any Service)?, sink, tenantStore.map(TenantStoreService.init), history,
                        partnerServer(onRunning: onPartnerAPIRunning),
                    ].compactMap { $0 }.map {
                        ServiceGroupConfiguration.ServiceConfiguration(
                            service: $0, failureTerminationBehavior: .gracefullyShutdownGroup)
                    }),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        // SIGHUP: the webhook tenants' TLS files are read again (certificate renewal without a restart).
        let reloads = Task { [self] in
            for await _ in await UnixSignalsSequence(trapping: .sighup) { reloadTLS() }
        }
        defer { reloads.cancel() }
        try await group.run()
        logger.info("stopped")
    }
}
