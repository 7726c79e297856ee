import Config
import Kafka
import Payments
import Webhooks

extension WebhookSink.Configuration {
    /// The sink's settings: every tenant with webhook delivery, and the topics it reads.
    init(_ configuration: BridgeConfiguration) {
        let sink = configuration.sink
        let tenants = configuration.tenants.compactMap { tenant -> WebhookSink.Tenant? in
            guard tenant.delivery == .webhook, let webhook = tenant.webhook else { return nil }
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
            return WebhookSink.Tenant(
                endpoint: endpoint,
                eventTypes: webhook.eventTypes.map { Set($0.compactMap(PaymentEventType.init(rawValue:))) })
        }
        self.init(
            tenants: tenants,
            retry: RetryPolicy(
                schedule: sink.retry.schedule, minimumWindow: sink.retry.minimumWindow,
                jitter: sink.retry.jitter, maxRetryAfter: sink.retry.maxRetryAfter))
        consumerGroup = sink.consumerGroup
        maxPendingPerTenant = sink.maxPendingPerTenant
        maxPending = sink.maxPending
        let topics = configuration.bridge.topics
        let maxRecordBytes = configuration.bridge.maxRecordBytes
        self.maxRecordBytes = maxRecordBytes
        replicationFactor = topics.replicationFactor
        self.topics = configuration.tenants.filter { $0.delivery == .webhook }.flatMap { tenant in
            let name = PaymentTopics.responses(channel: tenant.channel, tenantId: tenant.id)
            let partitions = topics.partitions[tenant.channel] ?? 1
            return [
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
}
