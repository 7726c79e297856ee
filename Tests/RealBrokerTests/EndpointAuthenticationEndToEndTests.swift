import Foundation
import Kafka
import TestSupport
import Testing

/// The real binary on Tansu delivering to partners that authenticate it: mutual TLS under a
/// private CA (nginx with `ssl_verify_client on`), renewed by SIGHUP, and OAuth2 client
/// credentials (a Python token endpoint); no key, passphrase, client secret or token in the
/// service's output or metrics.
@Suite("Endpoint authentication end to end on a real broker", .serialized, onCurrentLibrdkafkaOnly)
struct EndpointAuthenticationEndToEndTests {
    static let secret = "whsec_" + Data("endpoint-authentication-secret".utf8).base64EncodedString()
    static let clientSecret = "oauth2-client-secret-do-not-log"

    @Test(
        "mutual TLS renewed by SIGHUP without dropping a record, and OAuth2 tokens, through the real binary; no secret in its output"
    )
    func mutualTLSAndOAuth2() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        let certificates = try TestCertificates(clientDays: 10)
        let tlsPartner = try TLSPartner(certificates: certificates)
        let oauthPartner = try OAuth2Partner(clientSecret: Self.clientSecret, lifetime: 300)
        defer { oauthPartner.stop() }
        let oauthPort = oauthPartner.port
        let adminPort = try freeLoopbackPort()
        let service = try ServiceProcess(
            config: """
                kafka:
                  bootstrapServers: "\(broker.bootstrapServers)"
                admin: {listen: "127.0.0.1:\(adminPort)"}
                bridge:
                  topics: {replicationFactor: 1, partitions: {partner: 2}}
                  transactions: {maxRecords: 100, maxInterval: 50ms}
                sink: {retry: {schedule: [1s], jitter: 0}}
                tenants:
                  - id: PARTNER-MTLS
                    channel: partner
                    delivery: webhook
                    webhook:
                      url: "\(tlsPartner.url)"
                      secrets: ["\(Self.secret)"]
                      allowPrivateNetwork: true
                      tls: \(certificates.tlsYAML(passphrase: "${CLIENT_KEY_PASSPHRASE}"))
                  - id: PARTNER-OAUTH
                    channel: partner
                    delivery: webhook
                    webhook:
                      url: "http://127.0.0.1:\(oauthPort)/hooks"
                      secrets: ["\(Self.secret)"]
                      allowPrivateNetwork: true
                      allowInsecureHttp: true
                      oauth2:
                        tokenUrl: "http://127.0.0.1:\(oauthPort)/token"
                        clientId: payments-bridge
                        clientSecret: "${OAUTH2_CLIENT_SECRET}"
                """, adminPort: adminPort,
            environment: ["CLIENT_KEY_PASSPHRASE": certificates.passphrase, "OAUTH2_CLIENT_SECRET": Self.clientSecret])
        try await service.waitForReady(timeout: .seconds(90))
        func events(_ tenant: String, _ range: Range<Int>) -> [ProducerRecord] {
            range.map {
                ProducerRecord(
                    topic: "payments.events", key: Array("\(tenant)-\($0)".utf8),
                    value: internalEvent(paymentId: "\(tenant)-\($0)", tenantId: tenant, type: "PaymentInitiatedEvent"))
            }
        }
        func oauthRequests() -> [[String: Any]] { oauthPartner.requests }

        try await produceAll(events("PARTNER-MTLS", 0..<10) + events("PARTNER-OAUTH", 0..<10), kafka: broker.kafka)
        try await waitUntil("the first records delivered to both partners", timeout: .seconds(90)) {
            tlsPartner.requests.count >= 10
                && oauthRequests().filter { $0["path"] as? String == "/hooks" && $0["status"] as? Int == 200 }.count
                    >= 10
        }
        let metrics = try await service.metrics()
        let expiry = metrics.split(separator: "\n").first {
            $0.hasPrefix("payments_bridge_webhook_client_certificate_expiry_seconds{tenant=\"PARTNER-MTLS\"}")
        }
        #expect(expiry != nil, "the client certificate's expiry is exported")

        // The certificate is renewed on disk and the service told by SIGHUP while records flow.
        try certificates.renewClientCertificate(days: 40)
        service.hangUp()
        try await produceAll(events("PARTNER-MTLS", 10..<30), kafka: broker.kafka)
        try await waitUntil("every record delivered over mutual TLS", timeout: .seconds(60)) {
            tlsPartner.requests.filter { $0.status == "200" }.count >= 30
        }
        #expect(tlsPartner.requests.allSatisfy { $0.verify == "SUCCESS" && $0.status == "200" })
        #expect(tlsPartner.requests.last?.subject.contains("renewed") == true, "the renewed certificate after SIGHUP")
        #expect(oauthRequests().filter { $0["path"] as? String == "/token" }.count == 1, "one token, reused")

        let after = try await service.metrics()
        #expect(service.terminate() == 0)
        let output = service.log + metrics + after
        #expect(output.contains("TLS files read again"))
        for secret in [Self.clientSecret, certificates.passphrase] { #expect(!output.contains(secret)) }
        #expect(!output.contains("Bearer "), "no token in the output")
        #expect(!leaksSecret(Self.secret, in: output))
    }
}
