/// A `tenants:` entry of the service configuration: a tenant on the partner channel whose
/// records go by webhook to `url`, allowed to reach a loopback receiver over plain http.
/// `settings`: more webhook keys, e.g. `maxInFlight: 16`.
public func webhookTenantYAML(_ id: String, url: String, secret: String, settings: String = "") -> String {
    let more = settings.isEmpty ? "" : ", \(settings)"
    return "  - {id: \(id), channel: partner, delivery: webhook, webhook: {url: \"\(url)\", secrets: [\"\(secret)\"], "
        + "allowPrivateNetwork: true, allowInsecureHttp: true\(more)}}"
}
