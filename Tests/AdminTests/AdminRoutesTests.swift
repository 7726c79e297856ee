import Admin
import Avro
import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import Synchronization
import TestSupport
import Testing

@Suite("Admin HTTP routes")
struct AdminRoutesTests {
    func makeApp(
        ready: Bool, registry: EmbeddedSchemaRegistry? = nil,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) -> some ApplicationProtocol {
        let state = Readiness(isReady: ready, reasons: ready ? [] : ["kafka: not connected yet"])
        return Application(router: AdminRoutes.router(readiness: { state }, metrics: metrics, registry: registry))
    }

    @Test("liveness answers 200 whenever the process is up")
    func live() async throws {
        try await makeApp(ready: false).test(.router) { client in
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("up"))
            }
        }
    }

    @Test("readiness is 503 with a JSON reason until ready, then 200")
    func ready() async throws {
        try await makeApp(ready: false).test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["status"] as? String == "not_ready")
                #expect((body?["reasons"] as? [String])?.first?.contains("kafka") == true)
            }
        }
        try await makeApp(ready: true).test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("metrics are served in the Prometheus text format")
    func metrics() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: .init(metricName: "payments_bridge_events_consumed_total")).increment(
            by: Int64(3))
        try await makeApp(ready: true, metrics: registry).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains("# TYPE payments_bridge_events_consumed_total counter"))
                #expect(text.contains("payments_bridge_events_consumed_total 3"))
            }
        }
    }

    @Test("the embedded registry answers the calls stock Confluent deserializers make")
    func registryEndpoints() async throws {
        let registry = EmbeddedSchemaRegistry()
        let text = try paymentResponseSchemaText()
        let schema = try AvroSchema(json: text)
        let subject = "payments.responses.partner.TENANT-001-value"
        let id = try registry.register(schema, subject: subject)
        try await makeApp(ready: true, registry: registry).test(.router) { client in
            try await client.execute(uri: "/schemas/ids/\(id)", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["schema"] as? String == text)
            }
            try await client.execute(uri: "/schemas/ids/\(id &+ 1)", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["error_code"] as? Int == 40403)
            }
            try await client.execute(uri: "/subjects", method: .get) { response in
                #expect(String(buffer: response.body) == "[\"\(subject)\"]")
            }
            try await client.execute(uri: "/subjects/\(subject)/versions/latest", method: .get) { response in
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["id"] as? Int == Int(id))
                #expect(body?["version"] as? Int == 1)
                #expect(body?["subject"] as? String == subject)
            }
            try await client.execute(uri: "/subjects/nobody-value/versions/latest", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}

@Suite("Admin API: bearer tokens and the tenants")
struct AdminAPITests {
    static let opsToken = "ops-token-0123456789abcdef0123456789"
    let tenants = [
        TenantView(id: "TENANT-001", channel: "partner", delivery: "kafka", webhook: nil, managedBy: "configuration"),
        TenantView(
            id: "PARTNER-ABC", channel: "partner", delivery: "webhook",
            webhook: .init(
                url: "https://abc.example/hooks", secretCount: 2, eventTypes: ["PAYMENT_COMPLETED"], maxInFlight: 16,
                ratePerSecond: 100, allowPrivateNetwork: false, allowInsecureHttp: false),
            managedBy: "configuration"),
        {
            var webhook = TenantView.Webhook(
                url: "https://tls.example/hooks", secretCount: 1, eventTypes: nil, maxInFlight: 16, ratePerSecond: 100,
                allowPrivateNetwork: false, allowInsecureHttp: false)
            var tls = TenantView.Webhook.TLS(
                caBundle: nil, caMode: "only", clientCertificate: nil, clientKey: nil, minimumVersion: "1.3")
            let certificate = TenantView.Webhook.TLS.Certificate(
                subject: "CN=payments-bridge", notAfter: "2027-01-04T06:15:55.000Z",
                sha256: String(repeating: "ab", count: 32))
            (tls.caBundleCertificates, tls.clientCertificateChain) = ([certificate], [certificate])
            webhook.tls = tls
            webhook.oauth2 = .init(
                tokenUrl: "https://auth.example/token", clientId: "bridge", scope: nil, audience: nil)
            return TenantView(
                id: "PARTNER-TLS", channel: "partner", delivery: "webhook", webhook: webhook, managedBy: "controlPlane")
        }(),
    ]

    func makeApp(tokens: [(name: String, token: String)] = [("ops", opsToken)]) -> some ApplicationProtocol {
        let tenants = self.tenants
        return Application(
            router: AdminRoutes.router(
                readiness: { Readiness(isReady: true) }, metrics: PrometheusCollectorRegistry(), registry: nil,
                authenticator: AdminAuthenticator(tokens: tokens), tenants: ConfiguredTenants(tenants)))
    }

    func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    @Test("without a token, or with a wrong one, the admin API answers 401 with a Bearer challenge")
    func unauthorized() async throws {
        try await makeApp().test(.router) { client in
            for headers: HTTPFields in [
                [:], bearer("wrong-token-0123456789abcdef01234567"), [.authorization: "Basic b3BzOng="],
                bearer(Self.opsToken + "x"), bearer(String(Self.opsToken.dropLast())),
            ] {
                try await client.execute(uri: "/admin/tenants", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    #expect(!String(buffer: response.body).contains("PARTNER-ABC"))
                }
            }
        }
    }

    @Test("health, readiness and metrics stay open")
    func openRoutes() async throws {
        try await makeApp().test(.router) { client in
            for uri in ["/health/live", "/health/ready", "/metrics"] {
                try await client.execute(uri: uri, method: .get) { response in #expect(response.status == .ok, "\(uri)")
                }
            }
        }
    }

    @Test("with a token: the tenants of the configuration, no secret, managed by configuration; 404 for others")
    func listsTenants() async throws {
        try await makeApp().test(.router) { client in
            try await client.execute(uri: "/admin/tenants", method: .get, headers: bearer(Self.opsToken)) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode([String: [TenantView]].self, from: Data(buffer: response.body))
                #expect(body["tenants"] == tenants)
            }
            try await client.execute(uri: "/admin/tenants/PARTNER-ABC", method: .get, headers: bearer(Self.opsToken)) {
                response in
                let tenant = try JSONDecoder().decode(TenantView.self, from: Data(buffer: response.body))
                #expect(tenant.webhook?.secretCount == 2 && tenant.managedBy == "configuration")
                #expect(!String(buffer: response.body).contains("whsec_"))
            }
            try await client.execute(uri: "/admin/tenants/NOBODY", method: .get, headers: bearer(Self.opsToken)) {
                response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("no tenant 'NOBODY'"))
            }
        }
    }

    @Test("a tenant's TLS shows the certificates given as PEM text by subject, expiry and SHA-256, and no key")
    func tlsView() async throws {
        try await makeApp().test(.router) { client in
            try await client.execute(uri: "/admin/tenants/PARTNER-TLS", method: .get, headers: bearer(Self.opsToken)) {
                response in
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let webhook = json?["webhook"] as? [String: Any]
                let tls = try #require(webhook?["tls"] as? [String: Any])
                #expect(
                    tls.keys.sorted() == ["caBundleCertificates", "caMode", "clientCertificateChain", "minimumVersion"])
                let chain = try #require(tls["clientCertificateChain"] as? [[String: String]])
                #expect(chain.first?.keys.sorted() == ["notAfter", "sha256", "subject"])
                #expect((webhook?["oauth2"] as? [String: String])?.keys.sorted() == ["clientId", "tokenUrl"])
            }
        }
    }

    @Test("without configured tokens the admin API is off: 403, whatever is sent")
    func disabled() async throws {
        try await makeApp(tokens: []).test(.router) { client in
            try await client.execute(uri: "/admin/tenants", method: .get, headers: bearer(Self.opsToken)) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("admin.tokens"))
            }
        }
    }

    @Test("the tenant actions: 401 without a valid token, 409 while the file manages the tenants, 405 but for POST")
    func actionsOnConfiguredTenants() async throws {
        try await makeApp().test(.router) { client in
            for action in ["rotate-secret", "pause", "resume", "enable", "retry-now"] {
                let uri = "/admin/tenants/PARTNER-ABC/\(action)"
                for headers: HTTPFields in [[:], bearer("wrong-token-0123456789abcdef01234567")] {
                    try await client.execute(uri: uri, method: .post, headers: headers) { response in
                        #expect(response.status == .unauthorized, "\(action)")
                        #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    }
                }
                try await client.execute(uri: uri, method: .post, headers: bearer(Self.opsToken)) { response in
                    #expect(response.status == .conflict, "\(action)")
                    #expect(String(buffer: response.body).contains("managed by the configuration file"))
                    #expect(!String(buffer: response.body).contains("whsec_"))
                }
                for method: HTTPRequest.Method in [.get, .put, .delete, .patch] {
                    try await client.execute(uri: uri, method: method, headers: bearer(Self.opsToken)) { response in
                        #expect(response.status == .methodNotAllowed, "\(method) \(action)")
                        #expect(response.headers[.allow] == "POST")
                    }
                }
            }
            // The rotation's body is checked before anything else: a JSON object of strings.
            for body in [#"{"secret": 5}"#, #"{"overlap": "1h", "later": true}"#, "[]", "{"] {
                try await client.execute(
                    uri: "/admin/tenants/PARTNER-ABC/rotate-secret", method: .post, headers: bearer(Self.opsToken),
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .unprocessableContent, "\(body)")
                }
            }
            // Nothing changed, and a tenant of the file shows no state of the control plane.
            try await client.execute(uri: "/admin/tenants", method: .get, headers: bearer(Self.opsToken)) { response in
                let body = try JSONDecoder().decode([String: [TenantView]].self, from: Data(buffer: response.body))
                #expect(body["tenants"] == tenants)
                #expect(String(buffer: response.body).contains(#""paused":false"#))
                #expect(String(buffer: response.body).contains(#""retiringSecrets":[]"#))
            }
        }
    }

    @Test("a rotation's answer never shows its secret when printed")
    func rotationIsRedacted() {
        let secret = "whsec_" + Data("printed-secret-0123".utf8).base64EncodedString()
        let rotation = SecretRotation(tenant: tenants[1], secret: secret)
        for text in [
            "\(rotation)", String(reflecting: rotation), "\(TenantChangeOutcome.rotated(rotation))",
            String(reflecting: TenantChangeOutcome.rotated(rotation)),
        ] {
            #expect(!text.contains(secret) && text.contains("<redacted>"), "\(text)")
        }
        var dumped = ""
        dump(rotation, to: &dumped)
        #expect(!dumped.contains(secret))
    }

    @Test("a token is recognised whichever of several it is; comparison looks at every byte")
    func authenticator() {
        let authenticator = AdminAuthenticator(tokens: [
            ("ops", Self.opsToken), ("bot", "bot-token-0123456789abcdef0123456789"),
        ])
        #expect(authenticator.authenticate(authorization: "Bearer \(Self.opsToken)") == .caller("ops"))
        #expect(
            authenticator.authenticate(authorization: "bearer bot-token-0123456789abcdef0123456789") == .caller("bot"))
        #expect(authenticator.authenticate(authorization: "Bearer ") == .missing)
        #expect(authenticator.authenticate(authorization: nil) == .missing)
        #expect(authenticator.authenticate(authorization: "Bearer \(Self.opsToken) ") == .refused)
        #expect(AdminAuthenticator(tokens: []).authenticate(authorization: "Bearer x") == .disabled)
    }
}
