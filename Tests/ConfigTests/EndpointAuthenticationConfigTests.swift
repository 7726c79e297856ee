import Config
import Foundation
import Testing

@Suite("tenants[].webhook.oauth2 and tenants[].webhook.tls")
struct EndpointAuthenticationConfigTests {
    func yaml(_ webhook: String) -> String {
        """
        tenants:
          - id: P1
            channel: web
            delivery: webhook
            webhook: {url: "https://p1.example/hooks", secrets: [whsec_c2VjcmV0], \(webhook)}
        """
    }

    func key(_ webhook: String) -> String? {
        do {
            _ = try BridgeConfiguration.parse(yaml: yaml(webhook), environment: ["P1_SECRET": "s"])
            return nil
        } catch { return error.key }
    }

    @Test("an OAuth2 client: its secret from the environment, never printed")
    func oauth2() throws {
        let config = try BridgeConfiguration.parse(
            yaml: yaml(
                #"oauth2: {tokenUrl: "https://auth.p1.example/token", clientId: bridge, clientSecret: "${P1_SECRET}", scope: "hooks:write"}"#
            ),
            environment: ["P1_SECRET": "oauth-client-secret-do-not-log"])
        let oauth2 = try #require(config.tenants[0].webhook?.oauth2)
        #expect(oauth2.clientSecret.value == "oauth-client-secret-do-not-log" && oauth2.scope == "hooks:write")
        #expect(!"\(config)".contains("do-not-log"))
    }

    @Test("refused with the key named: a plain-http token URL, a missing client, an Authorization header as well")
    func oauth2Refused() {
        #expect(
            key(#"oauth2: {tokenUrl: "http://auth.p1.example/token", clientId: b, clientSecret: s}"#)
                == "tenants[0].webhook.oauth2.tokenUrl")
        #expect(
            key(#"oauth2: {tokenUrl: "https://auth.p1.example/token", clientSecret: s}"#)
                == "tenants[0].webhook.oauth2.clientId")
        #expect(
            key(#"oauth2: {tokenUrl: "https://auth.p1.example/token", clientId: b}"#)
                == "tenants[0].webhook.oauth2.clientSecret")
        #expect(
            key(
                #"oauth2: {tokenUrl: "https://a.example/t", clientId: b, clientSecret: s}, headers: {Authorization: "Bearer x"}"#
            ) == "tenants[0].webhook.headers.Authorization")
    }

    @Test("TLS files must be readable, a client certificate goes with its key, the modes and versions are known")
    func tls() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pem-\(UUID().uuidString)").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(key("tls: {caBundle: /nonexistent/ca.pem}") == "tenants[0].webhook.tls.caBundle")
        #expect(key("tls: {clientCertificate: \(file)}") == "tenants[0].webhook.tls.clientKey")
        #expect(key("tls: {caMode: only}") == "tenants[0].webhook.tls.caBundle")
        #expect(key("tls: {caBundle: \(file), caMode: sometimes}") == "tenants[0].webhook.tls.caMode")
        #expect(key("tls: {caBundle: \(file), minimumVersion: \"1.0\"}") == "tenants[0].webhook.tls.minimumVersion")
        #expect(key("tls: {caBundle: \(file), clientKeyPassphrase: p}") == "tenants[0].webhook.tls.clientKeyPassphrase")
        let config = try BridgeConfiguration.parse(
            yaml: yaml(
                "tls: {caBundle: \(file), caMode: only, clientCertificate: \(file), clientKey: \(file), minimumVersion: \"1.3\"}"
            ))
        let tls = try #require(config.tenants[0].webhook?.tls)
        #expect(tls.caMode == .only && tls.minimumVersion == "1.3" && tls.clientKey == file)
    }

    @Test("TLS material as PEM text: a secret key, not beside its file, in pairs as the files are")
    func tlsText() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pem-\(UUID().uuidString)").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let pem = #""-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n""#
        let keyText = #""-----BEGIN PRIVATE KEY-----\nkey-text-do-not-log\n-----END PRIVATE KEY-----\n""#
        let config = try BridgeConfiguration.parse(
            yaml: yaml(
                "tls: {caBundlePem: \(pem), caMode: only, clientCertificatePem: \(pem), clientKeyPem: \(keyText)}"))
        let tls = try #require(config.tenants[0].webhook?.tls)
        #expect(tls.caBundlePEM?.hasPrefix("-----BEGIN CERTIFICATE-----\n") == true && tls.caMode == .only)
        #expect(tls.clientKeyPEM?.value.contains("key-text-do-not-log") == true)
        #expect(!"\(config)".contains("do-not-log"), "the key is a secret")
        #expect(key("tls: {caBundlePem: \"not PEM\"}") == "tenants[0].webhook.tls.caBundlePem")
        #expect(key("tls: {caBundle: \(file), caBundlePem: \(pem)}") == "tenants[0].webhook.tls.caBundlePem")
        #expect(key("tls: {clientCertificatePem: \(pem)}") == "tenants[0].webhook.tls.clientKeyPem")
        #expect(key("tls: {clientKeyPem: \(keyText)}") == "tenants[0].webhook.tls.clientCertificatePem")
        #expect(
            key("tls: {caBundlePem: \(pem), clientKeyPassphrase: p}") == "tenants[0].webhook.tls.clientKeyPassphrase")
    }
}
