import Config
import ControlPlane
import Kafka
import Payments
import Webhooks

extension WebhookSink.Configuration {
    /// The sink's settings: every tenant with webhook delivery, and the topics it reads.
    init(_ configuration: BridgeConfiguration) throws(ApplicationError) {
        let sink = configuration.sink
        var tenants: [WebhookSink.Tenant] = []
        for tenant in configuration.tenants {
            if let served = try WebhookSink.Tenant(tenant, configuration: configuration) { tenants.append(served) }
        }
        self.init(
            tenants: tenants,
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
    /// Its TLS files (or PEM text) are read here: one that is not a usable certificate or key is an
    /// error naming the tenant's key.
    init?(_ tenant: BridgeConfiguration.Tenant, configuration: BridgeConfiguration, record: TenantRecord? = nil)
        throws(ApplicationError)
    {
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
        if let oauth2 = webhook.oauth2 {
            var token = OAuth2TokenSource.Settings(
                tokenURL: oauth2.tokenURL, clientID: oauth2.clientID, clientSecret: oauth2.clientSecret.value)
            token.scope = oauth2.scope
            token.audience = oauth2.audience
            token.requestTimeout = sink.requestTimeout
            endpoint.oauth2 = token
        }
        if let tls = webhook.tls {
            do { endpoint.tls = try EndpointTLS(tls) } catch {
                throw ApplicationError(
                    .tlsFile, "configuration key 'tenants[\(tenant.id)].webhook.tls.\(error.file.rawValue)': \(error)")
            }
        }
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

extension EndpointTLS {
    /// A tenant's `webhook.tls`: its files read, or its PEM text (see `init(caBundle:…)`).
    init(_ tls: BridgeConfiguration.TLS) throws(LoadError) {
        try self.init(
            caBundle: tls.caBundle.map(Source.file) ?? tls.caBundlePEM.map(Source.pem),
            trustMode: tls.caMode == .only ? .only : .add,
            clientCertificate: tls.clientCertificate.map(Source.file) ?? tls.clientCertificatePEM.map(Source.pem),
            clientKey: tls.clientKey.map(Source.file) ?? tls.clientKeyPEM.map { Source.pem($0.value) },
            passphrase: tls.clientKeyPassphrase?.value,
            minimumVersion: tls.minimumVersion == "1.3" ? .tls13 : .tls12)
    }
}
