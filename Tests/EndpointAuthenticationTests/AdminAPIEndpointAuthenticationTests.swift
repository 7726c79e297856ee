import App
import AsyncHTTPClient
import Config
import Foundation
import Kafka
import KafkaEmbedded
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// Partners that authenticate the service, set up through the admin API of the running service
/// (control plane on, embedded cluster): mutual TLS from PEM text, renewed by a PUT, and OAuth2
/// client credentials. No key, passphrase or client secret in any answer, the tenants topic, the
/// log or the metrics.
@Suite("Endpoint authentication through the admin API", .serialized)
struct AdminAPIEndpointAuthenticationTests {
    static let secret = "whsec_" + Data("admin-api-authentication-secret".utf8).base64EncodedString()
    static let token = "ops-token-0123456789abcdef0123456789"
    static let stateKey = Data(repeating: 3, count: 32).base64EncodedString()
    static let clientSecret = "oauth2-client-secret-do-not-log"

    /// The service with the control plane on and no webhook tenant in its file; its admin port, log.
    struct Service {
        let app: BridgeApplication
        let run: Task<Void, any Error>
        let adminPort: Int
        let log: CapturedLog

        init(cluster: EmbeddedKafkaCluster) async throws {
            let configuration = try BridgeConfiguration.parse(
                yaml: """
                    kafka: {bootstrapServers: "\(cluster.bootstrapServers)", properties: {log_level: "2"}}
                    admin: {listen: "127.0.0.1:0", tokens: [{name: ops, token: "\(AdminAPIEndpointAuthenticationTests.token)"}]}
                    bridge: {topics: {replicationFactor: 1}}
                    sink: {retry: {schedule: [1s], jitter: 0}}
                    controlPlane: {enabled: true, stateKeys: ["\(AdminAPIEndpointAuthenticationTests.stateKey)"]}
                    tenants: [{id: FILE-1, channel: web}]
                    """)
            let log = CapturedLog()
            let app = try BridgeApplication(
                configuration: configuration, schemaDirectory: repositoryRoot.appendingPathComponent("schemas").path,
                kafka: KafkaConnection(cluster: cluster, settings: configuration.kafka), logger: log.logger())
            let port = Mutex<Int?>(nil)
            run = Task { try await app.run { listening in port.withLock { $0 = listening } } }
            try await waitUntil("ready", timeout: .seconds(60)) { await app.readiness().isReady }
            try await waitUntil("the admin API listens", timeout: .seconds(10)) { port.withLock { $0 } != nil }
            self.app = app
            self.log = log
            adminPort = port.withLock { $0 } ?? 0
        }

        /// PUT /admin/tenants/{id} with a webhook tenant: the status and the answer.
        func put(_ id: String, webhook: [String: Any]) async throws -> (status: UInt, body: String) {
            let tenant: [String: Any] = ["channel": "partner", "delivery": "webhook", "webhook": webhook]
            return try await admin(
                .PUT, "/\(id)", String(decoding: try JSONSerialization.data(withJSONObject: tenant), as: UTF8.self))
        }

        func admin(_ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> (
            status: UInt, body: String
        ) {
            try await adminRequest(
                port: adminPort, method, "/admin/tenants\(path)", body: body,
                token: AdminAPIEndpointAuthenticationTests.token)
        }

        var metrics: String {
            var buffer: [UInt8] = []
            app.metrics.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }

        /// Every value of the tenants topic, as text.
        func tenantsTopic() async throws -> String {
            let records = try await TopicSnapshot.records(
                app.tenantStore!.settings.topic, kafka: app.kafka.configuration, logger: quietLogger)
            return records.map { String(decoding: $0.value ?? [], as: UTF8.self) }.joined(separator: "\n")
        }

        /// Everything the service showed or kept: its answers for the tenant, its topic, log and metrics.
        func everything(_ id: String) async throws -> String {
            #expect(log.text.contains("tenant"), "the service's log is searched too")
            return [
                try await admin(.GET, "").body, try await admin(.GET, "/\(id)").body, try await tenantsTopic(),
                log.text,
                metrics,
            ].joined(separator: "\n")
        }
    }

    @Test(
        "mutual TLS from PEM text given to the admin API: verified by the partner, renewed by a PUT without dropping a record, a bad PEM refused"
    )
    func mutualTLS() async throws {
        let certificates = try TestCertificates(clientDays: 10)
        let partner = try TLSPartner(certificates: certificates)
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let service = try await Service(cluster: cluster)
        defer { service.run.cancel() }
        func pem(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
        let key = try pem(certificates.encryptedClientKey)
        var tls: [String: String] = [
            "caBundlePem": try pem(certificates.caCertificate),
            "clientCertificatePem": try pem(certificates.clientCertificate),
            "clientKeyPem": key, "clientKeyPassphrase": certificates.passphrase,
        ]
        let webhook: [String: Any] = ["url": partner.url, "secrets": [Self.secret], "allowPrivateNetwork": true]
        let created = try await service.put("API-TLS", webhook: webhook.merging(["tls": tls]) { _, given in given })
        #expect(created.status == 201, "\(created.body)")
        let now = Date().timeIntervalSince1970
        try await waitUntil("the sink serves the tenant", timeout: .seconds(10)) {
            clientCertificateExpiry(service.app, tenant: "API-TLS") != nil
        }
        #expect(abs((clientCertificateExpiry(service.app, tenant: "API-TLS") ?? 0) - (now + 10 * 86_400)) < 600)

        let kafka = service.app.kafka.configuration
        try await produceAll(initiatedEvents("API-TLS", prefix: "API-TLS", 0..<20), kafka: kafka)
        try await waitUntil("the first records delivered", timeout: .seconds(30)) { partner.requests.count >= 5 }
        // A PEM that is not a usable key: refused, naming the key; the tenant keeps its settings.
        var unusable = tls
        unusable["clientKeyPem"] = try pem(certificates.rogueKey)
        let refused = try await service.put(
            "API-TLS", webhook: webhook.merging(["tls": unusable]) { _, given in given })
        #expect(refused.status == 422 && refused.body.contains("webhook.tls.clientKeyPem"), "\(refused.body)")
        // Renewed mid-stream through the API: the next requests present the new certificate.
        try certificates.renewClientCertificate(days: 40)
        tls["clientCertificatePem"] = try pem(certificates.clientCertificate)
        let renewed = try await service.put("API-TLS", webhook: webhook.merging(["tls": tls]) { _, given in given })
        #expect(renewed.status == 200 && renewed.body.contains("CN=payments-bridge renewed"), "\(renewed.body)")
        try await produceAll(initiatedEvents("API-TLS", prefix: "API-TLS", 20..<40), kafka: kafka)
        try await waitUntil("every record delivered", timeout: .seconds(60)) {
            partner.requests.filter { $0.status == "200" }.count >= 40
        }
        #expect(partner.requests.allSatisfy { $0.verify == "SUCCESS" && $0.status == "200" })
        #expect(partner.requests.last?.subject.contains("renewed") == true, "the renewed certificate is used")
        #expect(service.app.sink?.totals.deadLettered == 0 && service.app.sink?.totals.delivered == 40)
        #expect(abs((clientCertificateExpiry(service.app, tenant: "API-TLS") ?? 0) - (now + 40 * 86_400)) < 600)

        let everything = try await service.everything("API-TLS")
        #expect(everything.contains("API-TLS"))
        let keyBody = try #require(key.split(separator: "\n").dropFirst().first.map(String.init))
        #expect(!everything.contains(keyBody) && !everything.contains("PRIVATE KEY"), "the key is never shown")
        #expect(!everything.contains(certificates.passphrase), "nor its passphrase")
    }

    @Test("an OAuth2 client given to the admin API: the sink gets a token and delivers with it")
    func oauth2() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let partner = try OAuth2Partner(clientSecret: Self.clientSecret, lifetime: 300)
        defer { partner.stop() }
        let port = partner.port
        func requests(_ path: String) -> [[String: Any]] { partner.requests.filter { $0["path"] as? String == path } }
        let service = try await Service(cluster: cluster)
        defer { service.run.cancel() }
        let created = try await service.put(
            "API-OAUTH",
            webhook: [
                "url": "http://127.0.0.1:\(port)/hooks", "secrets": [Self.secret], "allowPrivateNetwork": true,
                "allowInsecureHttp": true,
                "oauth2": [
                    "tokenUrl": "http://127.0.0.1:\(port)/token", "clientId": "payments-bridge",
                    "clientSecret": Self.clientSecret, "scope": "hooks:write",
                ],
            ])
        #expect(created.status == 201, "\(created.body)")
        try await produceAll(
            initiatedEvents("API-OAUTH", prefix: "API-OAUTH", 0..<10), kafka: service.app.kafka.configuration)
        try await waitUntil("every record delivered with a token", timeout: .seconds(60)) {
            requests("/hooks").filter { $0["status"] as? Int == 200 }.count >= 10
        }
        let tokens = requests("/token")
        #expect(tokens.count == 1 && tokens.first?["status"] as? Int == 200, "one token, reused")
        #expect(tokens.first?["scope"] as? String == "hooks:write")
        #expect(requests("/hooks").allSatisfy { $0["status"] as? Int == 200 })

        let everything = try await service.everything("API-OAUTH")
        #expect(everything.contains("API-OAUTH") && everything.contains("hooks:write"))
        #expect(!everything.contains(Self.clientSecret), "the client secret is never shown")
        #expect(!everything.contains("Bearer "), "nor a token")
    }
}
