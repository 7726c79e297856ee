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
