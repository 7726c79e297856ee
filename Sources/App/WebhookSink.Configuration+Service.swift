import Config
import ControlPlane
import Kafka
import Payments
import Webhooks

extension WebhookSink.Configuration {
    /// The sink's settings: every tenant with webhook delivery, and the topics it reads.
    init(_ configuration: BridgeConfiguration) {
        let sink = configuration.sink
        self.init(
            tenants: configuration.tenants.compactMap { WebhookSink.Tenant($0, configuration: configuration) },
            retry: RetryPolicy(
                schedule: sink.retry.schedule, minimumWindow: sink.retry.minimumWindow,
                jitter: sink.retry.jitter, maxRetryAfter: sink.retry.maxRetryAfter))
        consumerGroup = sink.consumerGroup
        maxPendingPerTenant = sink.maxPendingPerTenant
        maxPending = sink.maxPending
        maxRecordBytes = configuration.bridge.maxRecordBytes
        replicationFactor = configuration.bridge.topics.replicationFactor
        topics = tenants.flatMap(\.topics)
    }
}

extension WebhookSink.Tenant {
    /// A tenant with webhook delivery as the sink serves it (nil for other tenants): its endpoint,
    /// filter and topics, and, for a tenant of the control plane, its record's operational state
    /// and the secrets a rotation is retiring.
    init?(_ tenant: BridgeConfiguration.Tenant, configuration: BridgeConfiguration, record: TenantRecord? = nil) {
        guard tenant.delivery == .webhook, let webhook = tenant.webhook else { return nil }
        let sink = configuration.sink
        var endpoint = WebhookEndpoint.Settings(
            tenantID: tenant.id, url: webhook.url, secrets: webhook.secrets.map(\.value))
        endpoint.maxInFlight = webhook.maxInFlight
        endpoint.ratePerSecond = webhook.ratePerSecond
        endpoint.allowPrivateNetwork = webhook.allowPrivateNetwork
        endpoint.allowInsecureHttp = webhook.allowInsecureHttp
        endpoint.connectTimeout = sink.connectTimeout
        endpoint.requestTimeout = sink.requestTimeout
        endpoint.userAgent = "payments-bridge/\(BridgeApplication.version)"
        endpoint.headers = webhook.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value.value) }
        endpoint.retiringSecrets = (record?.retiringSecrets ?? []).map { ($0.secret.value, $0.until) }
        self.init(
            endpoint: endpoint,
            eventTypes: webhook.eventTypes.map { Set($0.compactMap(PaymentEventType.init(rawValue:))) })
        if let record {
            controls.paused = record.paused
            controls.disabledReason = record.disabledReason
            controls.enabledAt = record.enabledAt
            controls.retryNowAt = record.retryNowAt
        }
        let topics = configuration.bridge.topics
        let maxRecordBytes = configuration.bridge.maxRecordBytes
        let name = PaymentTopics.responses(channel: tenant.channel, tenantId: tenant.id)
        let partitions = topics.partitions[tenant.channel] ?? 1
        self.topics = [
            TopicSpecification(
                name: name, partitions: partitions, replicationFactor: topics.replicationFactor,
                retention: .seconds(topics.retentionDays * 86_400), maxRecordBytes: maxRecordBytes),
            TopicSpecification(
                name: PaymentTopics.deadLetter(of: name), partitions: partitions,
                replicationFactor: topics.replicationFactor,
                retention: .seconds(topics.dltRetentionDays * 86_400), maxRecordBytes: maxRecordBytes),
        ]
    }
}
