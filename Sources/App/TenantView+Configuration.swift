import Admin
import Config
import ControlPlane
import Foundation
import Timing
import Webhooks

extension TenantView {
    /// A tenant of the configuration file, as the admin API shows it (no secret): never paused
    /// nor disabled through the control plane.
    init(_ tenant: BridgeConfiguration.Tenant, managedBy: String = "configuration") {
        let webhook = tenant.webhook.map {
            var view = Webhook(
                url: $0.shownURL, secretCount: $0.secrets.count, eventTypes: $0.eventTypes, maxInFlight: $0.maxInFlight,
                ratePerSecond: $0.ratePerSecond, allowPrivateNetwork: $0.allowPrivateNetwork,
                allowInsecureHttp: $0.allowInsecureHttp,
                headerNames: $0.headers.isEmpty ? nil : $0.headers.keys.sorted())
            view.tls = $0.tls.map {
                var tls = Webhook.TLS(
                    caBundle: $0.caBundle, caMode: $0.caMode.rawValue, clientCertificate: $0.clientCertificate,
                    clientKey: $0.clientKey, minimumVersion: $0.minimumVersion)
                tls.caBundleCertificates = $0.caBundlePEM.map(Self.certificates)
                tls.clientCertificateChain = $0.clientCertificatePEM.map(Self.certificates)
                return tls
            }
            view.oauth2 = $0.oauth2.map {
                Webhook.OAuth2(
                    tokenUrl: $0.shownTokenURL, clientId: $0.clientID, scope: $0.scope, audience: $0.audience)
            }
            return view
        }
        self.init(
            id: tenant.id, channel: tenant.channel.topicFragment, delivery: tenant.delivery.rawValue, webhook: webhook,
            managedBy: managedBy)
        statusApiKeys = tenant.statusAPIKeys.isEmpty ? nil : tenant.statusAPIKeys.count
    }

    /// What a certificate given as PEM text is (never the text itself).
    private static func certificates(_ pem: String) -> [Webhook.TLS.Certificate] {
        (EndpointTLS.summaries(pem: pem) ?? []).map {
            Webhook.TLS.Certificate(
                subject: $0.subject, notAfter: ISO8601.string(milliseconds: $0.notAfter * 1000), sha256: $0.sha256)
        }
    }

    /// A tenant of the control plane's topic with its operational state; of the secrets a rotation
    /// replaced, only when the ones still signing at `now` stop.
    init(record: TenantRecord, now: Int64 = Date().millisecondsSince1970) {
        self.init(record.tenant, managedBy: TenantDirectory.Source.controlPlane.rawValue)
        webhook?.retiringSecrets = record.retiringSecrets(at: now).sorted { $0.until < $1.until }
            .map { Webhook.RetiringSecret(until: ISO8601.string(milliseconds: $0.until)) }
        paused = record.paused
        disabledReason = record.disabledReason
        enabledAt = record.enabledAt.map { ISO8601.string(milliseconds: $0) }
        retryNowAt = record.retryNowAt.map { ISO8601.string(milliseconds: $0) }
    }

    /// A tenant of the control plane's directory.
    init(_ entry: TenantDirectory.Entry) {
        if let record = entry.record {
            self.init(record: record)
        } else {
            self.init(entry.tenant, managedBy: entry.source.rawValue)
        }
    }
}
