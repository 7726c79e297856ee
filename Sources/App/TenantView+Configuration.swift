import Admin
import Config
import ControlPlane

extension TenantView {
    /// A tenant of the configuration file, as the admin API shows it (no secret).
    init(_ tenant: BridgeConfiguration.Tenant, managedBy: String = "configuration") {
        let webhook = tenant.webhook.map {
            Webhook(
                url: $0.shownURL, secretCount: $0.secrets.count, eventTypes: $0.eventTypes, maxInFlight: $0.maxInFlight,
                ratePerSecond: $0.ratePerSecond, allowPrivateNetwork: $0.allowPrivateNetwork,
                allowInsecureHttp: $0.allowInsecureHttp,
                headerNames: $0.headers.isEmpty ? nil : $0.headers.keys.sorted())
        }
        self.init(
            id: tenant.id, channel: tenant.channel.topicFragment, delivery: tenant.delivery.rawValue, webhook: webhook,
            managedBy: managedBy)
    }

    /// A tenant of the control plane's directory.
    init(_ entry: TenantDirectory.Entry) {
        self.init(entry.tenant, managedBy: entry.source.rawValue)
    }
}
