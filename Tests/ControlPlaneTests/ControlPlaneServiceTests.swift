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

/// The service with the control plane on, on the embedded cluster: tenants created through the
/// admin API are answered by the bridge without a restart.
@Suite("Control plane: the running service", .serialized)
struct ControlPlaneServiceTests {
    let token = "ops-token-0123456789abcdef0123456789"

    @Test("a Kafka tenant added via the admin API gets its responses, a webhook one is accepted, file ones are fixed")
    func tenantCreatedAtRuntime() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let stateKey = Data(repeating: 3, count: 32).base64EncodedString()
        let configuration = try BridgeConfiguration.parse(
            yaml: """
                kafka: {bootstrapServers: "\(cluster.bootstrapServers)", properties: {log_level: "2"}}
                admin: {listen: "127.0.0.1:0", tokens: [{name: ops, token: "\(token)"}]}
                \(temporaryStateYAML())
                bridge: {topics: {replicationFactor: 1}}
                sink: {enabled: false}
                controlPlane: {enabled: true, stateKeys: ["\(stateKey)"]}
                tenants: [{id: FILE-1, channel: web}]
                """)
        let app = try BridgeApplication(
            configuration: configuration, schemaDirectory: repositoryRoot.appendingPathComponent("schemas").path,
            kafka: KafkaConnection(cluster: cluster, settings: configuration.kafka), logger: quietLogger)
        let port = Mutex(0)
        let run = Task { try await app.run { value in port.withLock { $0 = value } } }
        defer { run.cancel() }
        try await waitUntil("ready", timeout: .seconds(60)) {
            await app.readiness().isReady && port.withLock { $0 } > 0
        }
        let admin = "http://127.0.0.1:\(port.withLock { $0 })/admin/tenants"

        func send(_ method: HTTPMethod, _ path: String, _ body: String? = nil) async throws -> (UInt, String) {
            var request = HTTPClientRequest(url: admin + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }

        let (created, body) = try await send(.PUT, "/API-1", #"{"channel":"partner"}"#)
        #expect(created == 201 && body.contains(#""managedBy":"controlPlane""#))
        #expect(try await send(.PUT, "/API-1", #"{"channel":"partner","delivery":"kafka"}"#).0 == 200)
        #expect(try await send(.PUT, "/FILE-1", #"{"channel":"web"}"#).0 == 409)
        let invalid = try await send(.PUT, "/API-2", #"{"channel":"fax"}"#)
        #expect(invalid.0 == 422 && invalid.1.contains("channel"))
        let webhook = try await send(
            .PUT, "/API-3",
            #"{"channel":"web","delivery":"webhook","webhook":{"url":"https://x.example/h","secrets":["whsec_c2VjcmV0"]}}"#
        )
        #expect(webhook.0 == 201 && webhook.1.contains(#""delivery":"webhook""#) && !webhook.1.contains("whsec_"))
        #expect(try await send(.GET, "").1.contains(#""id":"API-1""#))

        // An event for the new tenant is answered on its partner topic, not dead-lettered.
        try await produceAll(
            [
                ProducerRecord(
                    topic: "payments.events", key: Array("PAY-1".utf8),
                    value: internalEvent(paymentId: "PAY-1", tenantId: "API-1", type: "PaymentInitiatedEvent"))
            ],
            kafka: app.kafka.configuration)
        try await waitUntil("the response on API-1's topic", timeout: .seconds(30)) {
            (try? await TopicSnapshot.records(
                "payments.responses.partner.API-1", kafka: app.kafka.configuration,
                logger: quietLogger, timeout: .seconds(5)
            ).count) == 1
        }
        #expect(app.bridge?.totals.deadLettered["unknown_tenant"] == nil)

        #expect(try await send(.DELETE, "/API-1").0 == 204)
        #expect(try await send(.GET, "/API-1").0 == 404)
        #expect(try await send(.DELETE, "/API-1").0 == 404)
        #expect(try await send(.DELETE, "/FILE-1").0 == 409)
    }
}
