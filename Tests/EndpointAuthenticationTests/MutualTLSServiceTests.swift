import App
import Config
import Foundation
import Kafka
import KafkaEmbedded
import Prometheus
import Synchronization
import TestSupport
import Testing

/// The service delivering to a partner that wants mutual TLS under a private CA (nginx with
/// `ssl_verify_client on`), on the embedded cluster; the client certificate renewed at runtime.
@Suite("Endpoint authentication: mutual TLS in the running service", .serialized)
struct MutualTLSServiceTests {
    static let secret = "whsec_" + Data("mutual-tls-service-secret".utf8).base64EncodedString()

    func events(_ range: Range<Int>) -> [ProducerRecord] { initiatedEvents("PARTNER-TLS", prefix: "TLS", range) }

    func expiry(_ app: BridgeApplication) -> Double? { clientCertificateExpiry(app, tenant: "PARTNER-TLS") }

    @Test(
        "the partner verifies the client certificate; a renewed one is read on reload without dropping a record; its expiry is a metric"
    )
    func renewalWithoutDroppingARecord() async throws {
        let certificates = try TestCertificates(clientDays: 10)
        let partner = try TLSPartner(certificates: certificates)
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let configuration = try BridgeConfiguration.parse(
            yaml: """
                kafka: {bootstrapServers: "\(cluster.bootstrapServers)", properties: {log_level: "2"}}
                admin: {listen: "127.0.0.1:0"}
                \(temporaryStateYAML())
                bridge: {topics: {replicationFactor: 1}}
                sink: {retry: {schedule: [1s], jitter: 0}}
                tenants:
                  - id: PARTNER-TLS
                    channel: partner
                    delivery: webhook
                    webhook:
                      url: "\(partner.url)"
                      secrets: ["\(Self.secret)"]
                      allowPrivateNetwork: true
                      tls: \(certificates.tlsYAML(passphrase: certificates.passphrase))
                """)
        let app = try BridgeApplication(
            configuration: configuration, schemaDirectory: repositoryRoot.appendingPathComponent("schemas").path,
            kafka: KafkaConnection(cluster: cluster, settings: configuration.kafka), logger: quietLogger)
        let run = Task { try await app.run() }
        defer { run.cancel() }
        try await waitUntil("ready", timeout: .seconds(60)) { await app.readiness().isReady }
        let now = Date().timeIntervalSince1970
        #expect(abs((expiry(app) ?? 0) - (now + 10 * 86_400)) < 600, "the expiry metric: 10 days ahead")

        try await produceAll(events(0..<20), kafka: app.kafka.configuration)
        try await waitUntil("the first records delivered", timeout: .seconds(30)) { partner.requests.count >= 5 }
        // Renewed mid-stream: the next requests present the new certificate, nothing is lost.
        try certificates.renewClientCertificate(days: 40)
        app.reloadTLS()
        try await produceAll(events(20..<40), kafka: app.kafka.configuration)
        try await waitUntil("every record delivered", timeout: .seconds(60)) {
            partner.requests.filter { $0.status == "200" }.count >= 40
        }
        #expect(partner.requests.allSatisfy { $0.verify == "SUCCESS" && $0.status == "200" })
        #expect(partner.requests.last?.subject.contains("renewed") == true, "the renewed certificate is used")
        #expect(app.sink?.totals.deadLettered == 0 && app.sink?.totals.delivered == 40)
        #expect(abs((expiry(app) ?? 0) - (now + 40 * 86_400)) < 600, "the expiry metric follows the renewal")
    }

    @Test("an unusable TLS file stops start-up with the key named")
    func unusableFile() throws {
        let certificates = try TestCertificates()
        let configuration = try BridgeConfiguration.parse(
            yaml: """
                kafka: {bootstrapServers: "127.0.0.1:9"}
                tenants:
                  - id: PARTNER-TLS
                    channel: partner
                    delivery: webhook
                    webhook:
                      url: "https://127.0.0.1:9/hooks"
                      secrets: ["\(Self.secret)"]
                      tls: {clientCertificate: "\(certificates.clientCertificate)", clientKey: "\(certificates.encryptedClientKey)", clientKeyPassphrase: wrong}
                """)
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        #expect {
            _ = try BridgeApplication(
                configuration: configuration, schemaDirectory: repositoryRoot.appendingPathComponent("schemas").path,
                kafka: KafkaConnection(cluster: cluster, settings: configuration.kafka), logger: quietLogger)
        } throws: { error in
            "\(error)".contains("webhook.tls.clientKey") && !"\(error)".contains("wrong")
        }
        #expect(throws: ConfigurationError.self) {
            try BridgeConfiguration.parse(
                yaml: """
                    kafka: {bootstrapServers: "127.0.0.1:9"}
                    tenants:
                      - {id: P1, channel: partner, delivery: webhook, webhook: {url: "https://p1.example/h", secrets: ["\(Self.secret)"], tls: {caBundle: /nonexistent/ca.pem}}}
                    """)
        }
    }
}
