import App
import AsyncHTTPClient
import Config
import Digest
import Foundation
import Kafka
import KafkaEmbedded
import NIOCore
import PaymentHistory
import Synchronization
import TestSupport
import Testing

/// The whole service on the embedded cluster: events in, the payment history filled from the
/// response topics, the attempt log and the DLTs, read through the status API and the trace.
@Suite("Payment history: the running service", .serialized)
struct PaymentHistoryServiceTests {
    static let token = "ops-token-0123456789abcdef0123456789"
    static let hookKey = "status-key-of-hook-0123456789abcdef"
    static let kafkaKey = "status-key-of-kafka-0123456789abcdef"
    static let secret = "whsec_" + Data("history-secret-0123456789".utf8).base64EncodedString()

    static func hash(_ key: String) -> String { "sha256:" + Digest.hex(Digest.sha256(Array(key.utf8))) }

    static func get(_ url: String, bearer: String) async throws -> (UInt, [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(bearer)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        return (response.status.code, json)
    }

    /// Runs the service until `body` returns, with the base URLs of its admin API and status API.
    static func running(
        _ configuration: BridgeConfiguration, on cluster: EmbeddedKafkaCluster,
        _ body: (BridgeApplication, String, String) async throws -> Void
    ) async throws {
        let app = try BridgeApplication(
            configuration: configuration, schemaDirectory: repositoryRoot.appendingPathComponent("schemas").path,
            kafka: KafkaConnection(cluster: cluster, settings: configuration.kafka), logger: quietLogger)
        let ports = Mutex((admin: 0, partner: 0))
        let run = Task {
            try await app.run(
                onAdminRunning: { port in ports.withLock { $0.admin = port } },
                onPartnerAPIRunning: { port in ports.withLock { $0.partner = port } })
        }
        defer { run.cancel() }
        try await waitUntil("ready", timeout: .seconds(60)) {
            await app.readiness().isReady && ports.withLock { $0.admin > 0 && $0.partner > 0 }
        }
        let (admin, partner) = ports.withLock { ("http://127.0.0.1:\($0.admin)", "http://127.0.0.1:\($0.partner)") }
        try await body(app, admin, partner)
    }

    @Test("statuses, histories and deliveries through the status API; a retried then dead-lettered payment traced")
    func statusAndTrace() async throws {
        // PAY-DEAD's endpoint always answers 503: three attempts, then its DLT.
        let receiver = WebhookReceiver { request, _ in
            request.paymentId == "PAY-DEAD" ? .init(status: 503, body: "try later") : .ok
        }
        try await receiver.serve {
            let cluster = try EmbeddedKafkaCluster(brokers: 1)
            let configuration = try BridgeConfiguration.parse(
                yaml: """
                    kafka: {bootstrapServers: "\(cluster.bootstrapServers)", properties: {log_level: "2"}}
                    admin: {listen: "127.0.0.1:0", tokens: [{name: ops, token: "\(Self.token)"}]}
                    \(temporaryStateYAML())
                    partnerApi: {listen: "127.0.0.1:0"}
                    bridge: {topics: {replicationFactor: 1}}
                    sink: {retry: {schedule: [100ms, 100ms], minimumWindow: 1ms, jitter: 0}}
                    tenants:
                    \(webhookTenantYAML("HOOK", url: receiver.url, secret: Self.secret))
                      - {id: KAFKA, channel: partner, statusApi: {keys: ["\(Self.hash(Self.kafkaKey))"]}}
                    """.replacingOccurrences(
                        of: "allowInsecureHttp: true}}",
                        with: "allowInsecureHttp: true}, statusApi: {keys: [\"\(Self.hash(Self.hookKey))\"]}}"))
            try await Self.running(configuration, on: cluster) { app, admin, partner in

                var records = lifecycleEvents(tenant: "HOOK", payments: 1).records
                records += lifecycleEvents(tenant: "KAFKA", payments: 1).records
                records.append(
                    ProducerRecord(
                        topic: "payments.events", key: Array("PAY-DEAD".utf8),
                        value: internalEvent(paymentId: "PAY-DEAD", tenantId: "HOOK", type: "PaymentInitiatedEvent")))
                try await produceAll(records, kafka: app.kafka.configuration)

                // A webhook tenant's payment: its status, every event, and its delivery.
                var hook: [String: Any] = [:]
                try await waitUntil("HOOK-P0 completed and delivered", timeout: .seconds(60)) {
                    guard
                        let (status, json) = try? await Self.get("\(partner)/v1/payments/HOOK-P0", bearer: Self.hookKey)
                    else { return false }
                    hook = json
                    return status == 200 && (json["delivery"] as? [String: Any])?["state"] as? String == "delivered"
                        && json["status"] as? String == "COMPLETED"
                }
                #expect((hook["history"] as? [[String: Any]])?.count == 5)
                #expect((hook["delivery"] as? [String: Any])?["attempts"] as? Int == 5)

                // A Kafka tenant's payment: no delivery; and each key sees its own tenant only.
                try await waitUntil("KAFKA-P0 completed", timeout: .seconds(30)) {
                    (try? await Self.get("\(partner)/v1/payments/KAFKA-P0", bearer: Self.kafkaKey))?.1["status"]
                        as? String
                        == "COMPLETED"
                }
                let kafka = try await Self.get("\(partner)/v1/payments/KAFKA-P0", bearer: Self.kafkaKey)
                #expect(kafka.1["delivery"] == nil)
                #expect(try await Self.get("\(partner)/v1/payments/KAFKA-P0", bearer: Self.hookKey).0 == 404)
                #expect(try await Self.get("\(partner)/v1/payments/KAFKA-P0", bearer: "nobody").0 == 401)

                // The retried, then dead-lettered payment: every attempt in order, and its DLT entry.
                var trace: [String: Any] = [:]
                try await waitUntil("PAY-DEAD traced to its dead letter", timeout: .seconds(60)) {
                    guard
                        let (status, json) = try? await Self.get("\(admin)/admin/payments/PAY-DEAD", bearer: Self.token)
                    else { return false }
                    trace = json
                    return status == 200 && (json["deadLetters"] as? [Any])?.count == 1
                        && (json["attempts"] as? [Any])?.count == 3
                }
                let attempts = try #require(trace["attempts"] as? [[String: Any]])
                #expect(attempts.map { $0["attempt"] as? Int } == [1, 2, 3])
                #expect(
                    attempts.map { $0["outcome"] as? String } == [
                        "retry_scheduled", "retry_scheduled", "dead_lettered",
                    ])
                #expect(
                    attempts.allSatisfy {
                        $0["httpStatus"] as? Int == 503 && $0["responseBody"] as? String == "try later"
                    })
                let dead = try #require((trace["deadLetters"] as? [[String: Any]])?.first)
                #expect(dead["reason"] as? String == "retries_exhausted")
                let record = try #require((trace["records"] as? [[String: Any]])?.first)
                #expect(record["topic"] as? String == "payments.responses.partner.HOOK")
                #expect(dead["originalOffset"] as? Int == record["offset"] as? Int)
                #expect(try await Self.get("\(admin)/admin/payments/PAY-DEAD", bearer: "wrong").0 == 401)
                #expect(try await Self.get("\(admin)/admin/payments/PAY-NONE", bearer: Self.token).0 == 404)
                let status = try await Self.get("\(partner)/v1/payments/PAY-DEAD", bearer: Self.hookKey)
                #expect((status.1["delivery"] as? [String: Any])?["state"] as? String == "dead_lettered")
            }
            _ = receiver
        }
    }

    @Test("a status key given to a tenant through the admin API works at once; a replaced key stops working")
    func keysChangedAtRuntime() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let stateKey = Data(repeating: 5, count: 32).base64EncodedString()
        let configuration = try BridgeConfiguration.parse(
            yaml: """
                kafka: {bootstrapServers: "\(cluster.bootstrapServers)", properties: {log_level: "2"}}
                admin: {listen: "127.0.0.1:0", tokens: [{name: ops, token: "\(Self.token)"}]}
                \(temporaryStateYAML())
                partnerApi: {listen: "127.0.0.1:0"}
                bridge: {topics: {replicationFactor: 1}}
                sink: {enabled: false}
                controlPlane: {enabled: true, stateKeys: ["\(stateKey)"]}
                tenants: []
                """)
        /// Puts tenant API-1 with `key` as its only status key; the answer's status.
        @Sendable func put(_ admin: String, _ key: String) async throws -> UInt {
            var request = HTTPClientRequest(url: "\(admin)/admin/tenants/API-1")
            request.method = .PUT
            request.headers.add(name: "Authorization", value: "Bearer \(Self.token)")
            request.body = .bytes(
                ByteBuffer(string: #"{"channel":"partner","statusApi":{"keys":["\#(Self.hash(key))"]}}"#))
            return try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code
        }
        try await Self.running(configuration, on: cluster) { (_, admin: String, partner: String) async throws in
            let url = "\(partner)/v1/payments/PAY-UNKNOWN"
            #expect(try await Self.get(url, bearer: Self.kafkaKey).0 == 401)
            #expect(try await put(admin, Self.kafkaKey) == 201)
            // A known key for an unknown payment: 404, not 401.
            #expect(try await Self.get(url, bearer: Self.kafkaKey).0 == 404)
            #expect(try await put(admin, Self.hookKey) == 200)
            #expect(try await Self.get(url, bearer: Self.hookKey).0 == 404)
            #expect(try await Self.get(url, bearer: Self.kafkaKey).0 == 401)
        }
    }
}
