import Avro
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing
import TestSupport

/// A stand-in for a Confluent Schema Registry, following its REST protocol for the calls the
/// client makes (POST /subjects/{s}/versions, GET /schemas/ids/{id},
/// GET /subjects/{s}/versions/latest). No real registry can run on these machines.
final class FakeConfluentRegistry: Sendable {
    let requests = Atomic<Int>(0)
    /// Answer this many requests with 503 before serving normally.
    let failuresLeft: Atomic<Int>
    private let schemas = Mutex<[Int: String]>([:])
    private let subjects = Mutex<[String: [Int]]>([:])

    init(failFirst: Int = 0) { failuresLeft = Atomic(failFirst) }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/subjects/:subject/versions") { request, context in
            self.requests.add(1, ordering: .relaxed)
            if let failure = self.failure() { return failure }
            let body = try await request.body.collect(upTo: 1 << 20)
            let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            guard let text = object?["schema"] as? String else { return Self.json(["error_code": 42201, "message": "Invalid schema"], status: .unprocessableContent) }
            let subject = context.parameters.get("subject")!
            if subject.hasSuffix("incompatible-value") {
                return Self.json(["error_code": 409, "message": "Schema being registered is incompatible"], status: .conflict)
            }
            let id = self.schemas.withLock { schemas in
                if let existing = schemas.first(where: { $0.value == text })?.key { return existing }
                let id = schemas.count + 1
                schemas[id] = text
                return id
            }
            self.subjects.withLock { $0[subject, default: []].append(id) }
            return Self.json(["id": id])
        }
        router.get("/schemas/ids/:id") { _, context in
            self.requests.add(1, ordering: .relaxed)
            if let failure = self.failure() { return failure }
            guard let id = context.parameters.get("id", as: Int.self), let text = self.schemas.withLock({ $0[id] }) else {
                return Self.json(["error_code": 40403, "message": "Schema not found"], status: .notFound)
            }
            return Self.json(["schema": text])
        }
        router.get("/subjects/:subject/versions/latest") { _, context in
            self.requests.add(1, ordering: .relaxed)
            let subject = context.parameters.get("subject")!
            guard let ids = self.subjects.withLock({ $0[subject] }), let id = ids.last, let text = self.schemas.withLock({ $0[id] }) else {
                return Self.json(["error_code": 40401, "message": "Subject not found"], status: .notFound)
            }
            return Self.json(["subject": subject, "version": ids.count, "id": id, "schema": text])
        }
        return router
    }

    private func failure() -> Response? {
        var left = failuresLeft.load(ordering: .relaxed)
        while left > 0 {
            let (exchanged, original) = failuresLeft.compareExchange(expected: left, desired: left - 1, ordering: .relaxed)
            if exchanged { return Self.json(["error_code": 50003, "message": "unavailable"], status: .serviceUnavailable) }
            left = original
        }
        return nil
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = try! JSONSerialization.data(withJSONObject: object)
        return Response(status: status, headers: [.contentType: "application/vnd.schemaregistry.v1+json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Serves on a free loopback port while `body` runs.
    func serve(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await serveOnLoopback(router()) { port in try await body("http://127.0.0.1:\(port)") }
    }
}

@Suite("Schema Registry client")
struct SchemaRegistryClientTests {
    @Test("registers under the subject, caches the id, and fetches schemas by id")
    func registerAndFetch() async throws {
        let fake = FakeConfluentRegistry()
        try await fake.serve { url in
            let client = SchemaRegistryClient(configuration: .init(url: url))
            let schema = try loadPaymentResponseSchema()
            let id = try await client.id(of: schema, subject: "payments.responses.partner.T1-value")
            #expect(try await client.id(of: schema, subject: "payments.responses.partner.T1-value") == id)
            #expect(fake.requests.load(ordering: .relaxed) == 1, "the second lookup is served from the cache")

            let fresh = SchemaRegistryClient(configuration: .init(url: url))
            #expect(try await fresh.schema(id: id).text == schema.text)
            let latest = try await fresh.latest(subject: "payments.responses.partner.T1-value")
            #expect(latest.id == id)
        }
    }

    @Test("an unavailable registry is retried with back-off until it answers")
    func retriesWhileUnavailable() async throws {
        let fake = FakeConfluentRegistry(failFirst: 2)
        try await fake.serve { url in
            var configuration = SchemaRegistryClient.Configuration(url: url)
            configuration.initialBackoff = .milliseconds(20)
            let client = SchemaRegistryClient(configuration: configuration)
            let id = try await client.id(of: try loadPaymentResponseSchema(), subject: "t-value")
            #expect(id == 1)
            #expect(fake.requests.load(ordering: .relaxed) == 3)
        }
    }

    @Test("a rejected schema fails at once with the registry's message")
    func rejected() async throws {
        let fake = FakeConfluentRegistry()
        try await fake.serve { url in
            let client = SchemaRegistryClient(configuration: .init(url: url))
            let error = await #expect(throws: SchemaRegistryError.self) {
                try await client.id(of: try loadPaymentResponseSchema(), subject: "incompatible-value")
            }
            #expect(error?.kind == .rejected)
            #expect(error?.status == 409)
            #expect(error?.message.contains("incompatible") == true)
            #expect(fake.requests.load(ordering: .relaxed) == 1)
        }
    }

    @Test("an unreachable registry is reported after the retry budget, with the address")
    func unreachable() async throws {
        // A port that was just bound and released: nothing listens there.
        var configuration = SchemaRegistryClient.Configuration(url: "http://127.0.0.1:\(try freeLoopbackPort())")
        configuration.retryBudget = .milliseconds(600)
        configuration.initialBackoff = .milliseconds(50)
        let client = SchemaRegistryClient(configuration: configuration)
        let started = ContinuousClock.now
        let error = await #expect(throws: SchemaRegistryError.self) {
            try await client.id(of: try loadPaymentResponseSchema(), subject: "t-value")
        }
        #expect(error?.kind == .unreachable)
        #expect(error?.message.contains("127.0.0.1") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

