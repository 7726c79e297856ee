import Admin
import Config
import ControlPlane
import Foundation
import Hummingbird
import HummingbirdTesting
import Kafka
import NIOCore
import Prometheus
import TestSupport
import Testing
import Timing

@testable import App

/// The admin API's tenant actions (rotate-secret, pause, resume, enable, retry-now) on the control
/// plane: the routes over `ControlPlaneTenants` and a tenant store on the embedded cluster.
@Suite("Admin API: the tenant actions on the control plane", .serialized)
struct TenantActionRoutesTests {
    static let token = "ops-token-0123456789abcdef0123456789"
    let keys = try! StateKeys(base64Keys: [Data(repeating: 7, count: 32).base64EncodedString()])
    let firstSecret = "whsec_" + Data("first-secret-0123456789".utf8).base64EncodedString()
    static let actions = ["rotate-secret", "pause", "resume", "enable", "retry-now"]

    /// A store with the file's tenant FILE-1, and HOOK-1 (webhook) and KAFKA-1 created through it.
    func withStore(
        _ body: (TenantStore, any ApplicationProtocol, KafkaConfiguration) async throws -> Void
    ) async throws {
        let mock = try MockKafka()
        var settings = TenantStore.Settings(topic: uniqueTopic("tenants"), auditTopic: uniqueTopic("audit"))
        settings.replicationFactor = 1
        let store = try TenantStore(
            settings: settings, kafka: mock.kafka, keys: keys,
            configured: [BridgeConfiguration.Tenant(id: "FILE-1", channel: .web, delivery: .kafka)],
            logger: quietLogger)
        let run = Task { try await store.run() }
        defer { run.cancel() }
        try await waitUntil("the store is loaded", timeout: .seconds(30)) { store.isLoaded }
        _ = try await store.put(
            BridgeConfiguration.Tenant(
                id: "HOOK-1", channel: .partner, delivery: .webhook,
                webhook: .init(url: "https://hook.example/h", secrets: [Secret(firstSecret)])),
            by: "ops")
        _ = try await store.put(BridgeConfiguration.Tenant(id: "KAFKA-1", channel: .web, delivery: .kafka), by: "ops")
        let app = Application(
            router: AdminRoutes.router(
                readiness: { Readiness(isReady: true) }, metrics: PrometheusCollectorRegistry(), registry: nil,
                authenticator: AdminAuthenticator(tokens: [("ops", Self.token)]),
                tenants: ControlPlaneTenants(store: store)))
        try await body(store, app, mock.kafka)
    }

    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var text: String
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }
    }

    func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, body: String? = nil,
        token: String? = Self.token
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    @Test("PUT takes webhook tenants; each key must have its JSON type, none null (422 naming the key)")
    func webhookTenants() async throws {
        try await withStore { store, app, _ in
            try await app.test(.router) { client in
                let hook = #""url":"https://new.example/h","secrets":["whsec_c2VjcmV0"]"#
                let created = try await send(
                    client, .put, "/admin/tenants/HOOK-2",
                    body: #"{"channel":"web","delivery":"webhook","webhook":{\#(hook),"headers":{"0":"zero"}}}"#)
                #expect(created.status == .created && !created.text.contains("whsec_"), "\(created.text)")
                #expect(store.entry("HOOK-2")?.tenant.webhook?.headers["0"]?.value == "zero")
                let refused: [(String, String)] = [
                    (#"{"channel":"web","delivery":null}"#, "'delivery': must not be null"),
                    (
                        #"{"channel":"web","delivery":"webhook","webhook":{\#(hook),"maxInFlight":"16"}}"#,
                        "'webhook.maxInFlight': expected a whole number"
                    ),
                    (
                        #"{"channel":"web","delivery":"webhook","webhook":{\#(hook),"allowInsecureHttp":"yes"}}"#,
                        "'webhook.allowInsecureHttp': expected true or false"
                    ),
                    (
                        #"{"channel":"web","delivery":"webhook","webhook":{\#(hook),"headers":{"0":false}}}"#,
                        "'webhook.headers.0': expected a string"
                    ),
                    (
                        #"{"channel":"web","delivery":"webhook","webhook":{\#(hook),"eventTypes":[7]}}"#,
                        "'webhook.eventTypes[0]': expected a string"
                    ),
                    (#"{"channel":5}"#, "'channel': expected a string"),
                ]
                for (body, problem) in refused {
                    let answer = try await send(client, .put, "/admin/tenants/HOOK-3", body: body)
                    #expect(answer.status == .unprocessableContent, "\(body)")
                    #expect(answer.text.contains(problem), "\(answer.text)")
                }
            }
            #expect(store.entry("HOOK-3") == nil)
        }
    }

    @Test("PUT takes a tenant's status API keys (hashes only): counted in the view, carried by the record")
    func statusAPIKeys() async throws {
        try await withStore { store, app, _ in
            try await app.test(.router) { client in
                let hash = String(repeating: "ab", count: 32)
                let created = try await send(
                    client, .put, "/admin/tenants/KEYED-1",
                    body: #"{"channel":"partner","statusApi":{"keys":["sha256:\#(hash)"]}}"#)
                #expect(created.status == .created, "\(created.text)")
                #expect(created.json["statusApiKeys"] as? Int == 1)
                #expect(!created.text.contains(hash), "the view counts the keys, it does not show them")
                #expect(store.entry("KEYED-1")?.tenant.statusAPIKeys == [hash])
                for (body, problem) in [
                    (#"{"channel":"partner","statusApi":{"keys":["plain-key"]}}"#, "statusApi.keys[0]"),
                    (
                        #"{"channel":"partner","statusApi":{"keys":"sha256:\#(hash)"}}"#,
                        "'statusApi.keys': expected a list"
                    ),
                ] {
                    let answer = try await send(client, .put, "/admin/tenants/KEYED-2", body: body)
                    #expect(answer.status == .unprocessableContent, "\(body)")
                    #expect(answer.text.contains(problem), "\(answer.text)")
                }
            }
            #expect(store.entry("KEYED-2") == nil)
        }
    }

    /// A webhook tenant's body as JSON, with `webhook` settings added to a URL and a secret.
    func hookBody(_ webhook: [String: Any]) -> String {
        let settings = webhook.merging(["url": "https://new.example/h", "secrets": [firstSecret]]) { kept, _ in kept }
        let object: [String: Any] = ["channel": "partner", "delivery": "webhook", "webhook": settings]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test(
        "PUT takes mutual TLS as PEM text, checked (422 naming the key) and sealed; the view shows the certificate, never the key"
    )
    func mutualTLSAsText() async throws {
        let certificates = try TestCertificates(clientDays: 10)
        @Sendable func pem(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
        let (ca, certificate, key) = (
            try pem(certificates.caCertificate), try pem(certificates.clientCertificate),
            try pem(certificates.encryptedClientKey)
        )
        let keyBody = key.split(separator: "\n").dropFirst().first.map(String.init) ?? key
        let tls: [String: String] = [
            "caBundlePem": ca, "caMode": "only", "clientCertificatePem": certificate, "clientKeyPem": key,
            "clientKeyPassphrase": certificates.passphrase, "minimumVersion": "1.3",
        ]
        try await withStore { store, app, kafka in
            try await app.test(.router) { client in
                let created = try await send(client, .put, "/admin/tenants/TLS-1", body: hookBody(["tls": tls]))
                #expect(created.status == .created, "\(created.text)")
                let stored = try #require(store.entry("TLS-1")?.tenant.webhook?.tls)
                #expect(stored.clientKeyPEM?.value == key && stored.clientCertificatePEM == certificate)
                #expect(stored.caMode == .only && stored.minimumVersion == "1.3")
                let shown = try await send(client, .get, "/admin/tenants/TLS-1")
                let view = try #require((shown.json["webhook"] as? [String: Any])?["tls"] as? [String: Any])
                let chain = try #require(view["clientCertificateChain"] as? [[String: String]])
                #expect(chain.count == 1 && chain.first?["subject"] == "CN=payments-bridge")
                let notAfter = try #require(chain.first?["notAfter"].flatMap(ISO8601.date))
                #expect(abs(notAfter.timeIntervalSinceNow - 10 * 86_400) < 600)
                #expect(chain.first?["sha256"]?.count == 64)
                #expect(
                    (view["caBundleCertificates"] as? [[String: String]])?.first?["subject"]
                        == "CN=payments-bridge test CA")
                for answer in [created, shown, try await send(client, .get, "/admin/tenants")] {
                    #expect(!answer.text.contains(keyBody) && !answer.text.contains("do-not-log"))
                    #expect(!answer.text.contains("PRIVATE KEY") && !answer.text.contains("BEGIN CERTIFICATE"))
                }

                // Each unusable setting is named; a path is refused (it is read on each instance's own machine).
                let garbage = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
                let refused: [([String: Any], String)] = [
                    (["caBundlePem": garbage], "webhook.tls.caBundlePem"),
                    (["caBundlePem": "no PEM at all"], "webhook.tls.caBundlePem"),
                    (
                        tls.merging(["clientCertificatePem": key]) { _, changed in changed },
                        "webhook.tls.clientCertificatePem"
                    ),
                    (
                        tls.merging(["clientKeyPassphrase": "wrong"]) { _, changed in changed },
                        "webhook.tls.clientKeyPem"
                    ),
                    (
                        tls.merging(["clientKeyPem": try pem(certificates.rogueKey)]) { _, changed in changed },
                        "webhook.tls.clientKeyPem"
                    ),
                    (["clientCertificatePem": certificate], "webhook.tls.clientKeyPem"),
                    (["caBundle": certificates.caCertificate], "webhook.tls.caBundle"),
                    (
                        ["clientCertificate": certificates.clientCertificate, "clientKey": certificates.clientKey],
                        "webhook.tls.clientCertificate"
                    ),
                    (["minimumVersion": 1.3], "webhook.tls.minimumVersion"),
                ]
                for (settings, named) in refused {
                    let answer = try await send(client, .put, "/admin/tenants/TLS-2", body: hookBody(["tls": settings]))
                    #expect(answer.status == .unprocessableContent, "\(named)")
                    #expect((answer.json["error"] as? String)?.contains("'\(named)'") == true, "\(answer.text)")
                    #expect(
                        !answer.text.contains(keyBody) && !answer.text.contains("wrong"), "nothing given is repeated")
                }

                // Renewal: the same tenant with a new certificate (the same key).
                try certificates.renewClientCertificate(days: 40)
                let renewed = try await send(
                    client, .put, "/admin/tenants/TLS-1",
                    body: hookBody([
                        "tls": tls.merging(["clientCertificatePem": try pem(certificates.clientCertificate)]) {
                            _, changed in changed
                        }
                    ]))
                #expect(renewed.status == .ok, "\(renewed.text)")
                let renewedChain =
                    ((renewed.json["webhook"] as? [String: Any])?["tls"] as? [String: Any])?[
                        "clientCertificateChain"] as? [[String: String]]
                #expect(renewedChain?.first?["subject"] == "CN=payments-bridge renewed")
            }
            #expect(store.entry("TLS-2") == nil)
            // Sealed in the tenants topic, left out of the audit trail.
            for topic in [store.settings.topic, store.settings.auditTopic] {
                let records = try await TopicSnapshot.records(topic, kafka: kafka, logger: quietLogger)
                let text = records.map { String(decoding: $0.value ?? [], as: UTF8.self) }.joined()
                #expect(text.contains("TLS-1"), "\(topic)")
                #expect(
                    !text.contains(keyBody) && !text.contains("PRIVATE KEY") && !text.contains("do-not-log"), "\(topic)"
                )
            }
        }
    }

    @Test("PUT takes an OAuth2 client, its secret sealed and never shown; not with a static Authorization header")
    func oauth2Client() async throws {
        let clientSecret = "oauth2-client-secret-do-not-log"
        let oauth2: [String: String] = [
            "tokenUrl": "https://auth.example/token", "clientId": "bridge", "clientSecret": clientSecret,
            "scope": "hooks:write",
        ]
        try await withStore { store, app, kafka in
            try await app.test(.router) { client in
                let created = try await send(client, .put, "/admin/tenants/OAUTH-1", body: hookBody(["oauth2": oauth2]))
                #expect(created.status == .created, "\(created.text)")
                #expect(store.entry("OAUTH-1")?.tenant.webhook?.oauth2?.clientSecret.value == clientSecret)
                let shown = try await send(client, .get, "/admin/tenants/OAUTH-1")
                let view = (shown.json["webhook"] as? [String: Any])?["oauth2"] as? [String: String]
                #expect(
                    view == ["tokenUrl": "https://auth.example/token", "clientId": "bridge", "scope": "hooks:write"])
                for answer in [created, shown, try await send(client, .get, "/admin/tenants")] {
                    #expect(!answer.text.contains(clientSecret))
                }
                let refused: [([String: Any], String)] = [
                    (
                        ["oauth2": oauth2, "headers": ["authorization": "Bearer static"]],
                        "webhook.headers.authorization"
                    ),
                    (
                        ["oauth2": oauth2.merging(["clientSecret": ""]) { _, changed in changed }],
                        "webhook.oauth2.clientSecret"
                    ),
                    (
                        ["oauth2": oauth2.merging(["tokenUrl": "ftp://auth.example"]) { _, changed in changed }],
                        "webhook.oauth2.tokenUrl"
                    ),
                    (
                        ["oauth2": (oauth2 as [String: Any]).merging(["clientId": 7]) { _, changed in changed }],
                        "webhook.oauth2.clientId"
                    ),
                ]
                for (webhook, named) in refused {
                    let answer = try await send(client, .put, "/admin/tenants/OAUTH-2", body: hookBody(webhook))
                    #expect(answer.status == .unprocessableContent, "\(named)")
                    #expect((answer.json["error"] as? String)?.contains("'\(named)'") == true, "\(answer.text)")
                    #expect(!answer.text.contains(clientSecret) && !answer.text.contains("Bearer static"))
                }
            }
            #expect(store.entry("OAUTH-2") == nil)
            for topic in [store.settings.topic, store.settings.auditTopic] {
                let records = try await TopicSnapshot.records(topic, kafka: kafka, logger: quietLogger)
                let text = records.map { String(decoding: $0.value ?? [], as: UTF8.self) }.joined()
                #expect(text.contains("OAUTH-1") && !text.contains(clientSecret), "\(topic)")
            }
        }
    }

    @Test("without a token or with a wrong one every action is 401 and the tenant does not change")
    func unauthorized() async throws {
        try await withStore { store, app, kafka in
            let before = store.entry("HOOK-1")?.record
            try await app.test(.router) { client in
                for action in Self.actions {
                    for token in [nil, "wrong-token-0123456789abcdef01234567", Self.token + "x"] {
                        let answer = try await send(
                            client, .post, "/admin/tenants/HOOK-1/\(action)",
                            body: action == "rotate-secret" ? #"{"overlap":"1h"}"# : nil, token: token)
                        #expect(answer.status == .unauthorized, "\(action)")
                        #expect(answer.headers[.wwwAuthenticate] == "Bearer")
                        #expect(!answer.text.contains("HOOK-1") && !answer.text.contains("whsec_"))
                    }
                }
            }
            #expect(store.entry("HOOK-1")?.record == before, "nothing changed")
        }
    }

    @Test("an unknown tenant is 404, a tenant of the configuration file 409, other methods 405")
    func refusals() async throws {
        try await withStore { store, app, kafka in
            try await app.test(.router) { client in
                for action in Self.actions {
                    let unknown = try await send(client, .post, "/admin/tenants/NOBODY/\(action)")
                    #expect(unknown.status == .notFound, "\(action)")
                    #expect(unknown.json["error"] as? String == "no tenant 'NOBODY'")
                    let configured = try await send(client, .post, "/admin/tenants/FILE-1/\(action)")
                    #expect(configured.status == .conflict, "\(action)")
                    #expect(
                        (configured.json["error"] as? String)?.contains("managed by the configuration file") == true)
                    for method: HTTPRequest.Method in [.get, .put, .delete, .patch] {
                        let other = try await send(client, method, "/admin/tenants/HOOK-1/\(action)")
                        #expect(other.status == .methodNotAllowed, "\(method) \(action)")
                        #expect(other.headers[.allow] == "POST")
                    }
                }
            }
            #expect(store.entry("HOOK-1")?.record?.version == 1)
            #expect(store.entry("FILE-1")?.record == nil)
        }
    }

    @Test("rotate-secret refuses a bad secret, a bad overlap or a bad body (422), and a Kafka tenant (409)")
    func invalidRotations() async throws {
        try await withStore { store, app, kafka in
            try await app.test(.router) { client in
                let cases: [(tenant: String, body: String, names: String)] = [
                    ("HOOK-1", #"{"secret":"not-a-secret"}"#, "secret"),
                    ("HOOK-1", #"{"secret":"whsec_"}"#, "secret"),
                    ("HOOK-1", #"{"secret":"whsec_***"}"#, "secret"),
                    ("HOOK-1", #"{"overlap":"tomorrow"}"#, "overlap"),
                    ("HOOK-1", #"{"overlap":"-1h"}"#, "overlap"),
                    ("HOOK-1", #"{"overlap":24}"#, "overlap"),
                    ("HOOK-1", #"{"secret":"whsec_c2VjcmV0","until":"1h"}"#, "until"),
                    ("HOOK-1", #"["whsec_c2VjcmV0"]"#, "JSON object"),
                    ("HOOK-1", "{", "JSON object"),
                    ("KAFKA-1", #"{"overlap":"soon"}"#, "overlap"),
                ]
                for (tenant, body, names) in cases {
                    let answer = try await send(client, .post, "/admin/tenants/\(tenant)/rotate-secret", body: body)
                    #expect(answer.status == .unprocessableContent, "\(body)")
                    #expect((answer.json["error"] as? String)?.contains(names) == true, "\(answer.text)")
                    #expect(!answer.text.contains("not-a-secret"), "a refused secret is not repeated")
                }
                // A Kafka tenant has no webhook secret: its state, not the request, stands in the way.
                let kafka = try await send(client, .post, "/admin/tenants/KAFKA-1/rotate-secret")
                #expect(kafka.status == .conflict)
                #expect((kafka.json["error"] as? String)?.contains("no webhook secret") == true)
            }
            #expect(store.entry("HOOK-1")?.tenant.webhook?.secrets.map(\.value) == [firstSecret])
            #expect(store.entry("HOOK-1")?.record?.version == 1 && store.entry("KAFKA-1")?.record?.version == 1)
        }
    }

    @Test("rotate-secret: the new secret is in its answer only; the old one signs for the overlap")
    func rotation() async throws {
        try await withStore { store, app, kafka in
            try await app.test(.router) { client in
                // Generated, with the default overlap of 24 hours.
                let started = Date()
                let generated = try await send(client, .post, "/admin/tenants/HOOK-1/rotate-secret")
                #expect(generated.status == .ok)
                let secret = try #require(generated.json["secret"] as? String)
                #expect(Secret.isWebhookSecret(secret) && Data(base64Encoded: String(secret.dropFirst(6)))?.count == 32)
                let tenant = try #require(generated.json["tenant"] as? [String: Any])
                #expect(tenant["id"] as? String == "HOOK-1" && tenant["paused"] as? Bool == false)
                let webhook = try #require(tenant["webhook"] as? [String: Any])
                #expect(webhook["secretCount"] as? Int == 1)
                let retiring = try #require(webhook["retiringSecrets"] as? [[String: String]])
                #expect(retiring.count == 1 && retiring.first?.keys.sorted() == ["until"])
                let until = try #require(retiring.first?["until"].flatMap(ISO8601.date))
                #expect(abs(until.timeIntervalSince(started) - 86_400) < 60)
                #expect(store.entry("HOOK-1")?.tenant.webhook?.secrets.map(\.value) == [secret])
                #expect(store.entry("HOOK-1")?.record?.retiringSecrets.map(\.secret.value) == [firstSecret])

                // Given, without overlap: the previous secrets stop at once (the first one's overlap runs on).
                let given = "whsec_" + Data("given-secret-0123456789".utf8).base64EncodedString()
                let rotated = try await send(
                    client, .post, "/admin/tenants/HOOK-1/rotate-secret",
                    body: #"{"secret":"\#(given)","overlap":"0s"}"#)
                #expect(rotated.status == .ok && rotated.json["secret"] as? String == given)
                #expect(store.entry("HOOK-1")?.tenant.webhook?.secrets.map(\.value) == [given])
                #expect(store.entry("HOOK-1")?.record?.retiringSecrets.map(\.secret.value) == [firstSecret])

                // Afterwards no answer shows a secret.
                for uri in ["/admin/tenants", "/admin/tenants/HOOK-1"] {
                    let shown = try await send(client, .get, uri)
                    #expect(shown.status == .ok)
                    for value in [secret, given, firstSecret, "whsec_"] {
                        #expect(!shown.text.contains(value), "\(uri)")
                    }
                    #expect(shown.text.contains(#""retiringSecrets":[{"until":"#))
                }
                let paused = try await send(client, .post, "/admin/tenants/HOOK-1/pause")
                #expect(!paused.text.contains("whsec_"))
            }
            // The audit trail has the rotations, without a secret.
            let audit = try await TopicSnapshot.records(
                store.settings.auditTopic, kafka: kafka, logger: quietLogger)
            #expect(audit.compactMap { auditAction($0) }.filter { $0 == "rotate-secret" }.count == 2)
            #expect(!audit.contains { String(decoding: $0.value ?? [], as: UTF8.self).contains("whsec_") })
        }
    }

    @Test("pause, resume, enable and retry-now change the tenant's state and answer it")
    func stateChanges() async throws {
        try await withStore { store, app, kafka in
            _ = try await store.update("HOOK-1", by: "sink", action: .disable) { $0.disabledReason = "endpoint_gone" }
            try await app.test(.router) { client in
                let shown = try await send(client, .get, "/admin/tenants/HOOK-1")
                #expect(shown.json["disabledReason"] as? String == "endpoint_gone")
                #expect(shown.json["paused"] as? Bool == false && shown.json["enabledAt"] == nil)

                let paused = try await send(client, .post, "/admin/tenants/HOOK-1/pause")
                #expect(paused.status == .ok && paused.json["paused"] as? Bool == true)
                #expect(store.entry("HOOK-1")?.record?.paused == true)
                #expect(try await send(client, .get, "/admin/tenants").text.contains(#""paused":true"#))

                let resumed = try await send(client, .post, "/admin/tenants/HOOK-1/resume")
                #expect(resumed.status == .ok && resumed.json["paused"] as? Bool == false)
                #expect(store.entry("HOOK-1")?.record?.paused == false)

                let before = Date().millisecondsSince1970
                let enabled = try await send(client, .post, "/admin/tenants/HOOK-1/enable")
                #expect(enabled.status == .ok && enabled.json["disabledReason"] == nil)
                let enabledAt = try #require(store.entry("HOOK-1")?.record?.enabledAt)
                #expect(enabledAt >= before && store.entry("HOOK-1")?.record?.disabledReason == nil)
                #expect(enabled.json["enabledAt"] as? String == ISO8601.string(milliseconds: enabledAt))

                let retried = try await send(client, .post, "/admin/tenants/HOOK-1/retry-now")
                let retryNowAt = try #require(store.entry("HOOK-1")?.record?.retryNowAt)
                #expect(retried.status == .ok && retryNowAt >= enabledAt)
                #expect(retried.json["retryNowAt"] as? String == ISO8601.string(milliseconds: retryNowAt))

                // A Kafka tenant can be paused too; the file's tenants show no state of the control plane.
                #expect(try await send(client, .post, "/admin/tenants/KAFKA-1/pause").json["paused"] as? Bool == true)
                let file = try await send(client, .get, "/admin/tenants/FILE-1")
                #expect(file.json["paused"] as? Bool == false && file.json["retryNowAt"] == nil)
            }
            #expect(store.entry("HOOK-1")?.record?.version == 6)
            let audit = try await TopicSnapshot.records(
                store.settings.auditTopic, kafka: kafka, logger: quietLogger)
            #expect(
                audit.compactMap { auditAction($0) } == [
                    "create", "create", "disable", "pause", "resume", "enable", "retry-now", "pause",
                ])
        }
    }
}

/// The action of an audit record.
private func auditAction(_ record: ConsumerRecord) -> String? {
    ((try? JSONSerialization.jsonObject(with: Data(record.value ?? []))) as? [String: Any])?["action"] as? String
}
