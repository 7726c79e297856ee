extension BridgeConfiguration.Tenant {
    /// The tenant in the shape of a `tenants[]` entry of the file (what the admin API takes and
    /// `BridgeConfiguration.tenant(json:)` reads back), as JSON-ready values; `secret` turns each
    /// webhook secret, header value, OAuth2 client secret, client key (PEM text) and key
    /// passphrase into what is written (sealed, for the control plane's topic).
    public func document(secret: (String) throws -> String) rethrows -> [String: Any] {
        var document: [String: Any] = ["id": id, "channel": channel.topicFragment, "delivery": delivery.rawValue]
        if let webhook {
            var fields: [String: Any] = [
                "url": webhook.url, "secrets": try webhook.secrets.map { try secret($0.value) },
                "maxInFlight": webhook.maxInFlight, "ratePerSecond": webhook.ratePerSecond,
                "allowPrivateNetwork": webhook.allowPrivateNetwork, "allowInsecureHttp": webhook.allowInsecureHttp,
            ]
            if let eventTypes = webhook.eventTypes { fields["eventTypes"] = eventTypes }
            if !webhook.headers.isEmpty {
                var headers: [String: String] = [:]
                for (name, value) in webhook.headers { headers[name] = try secret(value.value) }
                fields["headers"] = headers
            }
            if let tls = webhook.tls {
                var settings: [String: Any] = ["caMode": tls.caMode.rawValue, "minimumVersion": tls.minimumVersion]
                settings["caBundle"] = tls.caBundle
                settings["caBundlePem"] = tls.caBundlePEM
                settings["clientCertificate"] = tls.clientCertificate
                settings["clientCertificatePem"] = tls.clientCertificatePEM
                settings["clientKey"] = tls.clientKey
                if let key = tls.clientKeyPEM { settings["clientKeyPem"] = try secret(key.value) }
                if let passphrase = tls.clientKeyPassphrase {
                    settings["clientKeyPassphrase"] = try secret(passphrase.value)
                }
                fields["tls"] = settings
            }
            if let oauth2 = webhook.oauth2 {
                var settings: [String: Any] = [
                    "tokenUrl": oauth2.tokenURL, "clientId": oauth2.clientID,
                    "clientSecret": try secret(oauth2.clientSecret.value),
                ]
                settings["scope"] = oauth2.scope
                settings["audience"] = oauth2.audience
                fields["oauth2"] = settings
            }
            document["webhook"] = fields
        }
        if !statusAPIKeys.isEmpty { document["statusApi"] = ["keys": statusAPIKeys.map { "sha256:\($0)" }] }
        return document
    }
}
