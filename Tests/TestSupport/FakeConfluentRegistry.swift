import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A stand-in for a Confluent Schema Registry, following its REST protocol for the calls the
/// client makes (POST /subjects/{s}/versions, GET /schemas/ids/{id},
/// GET /subjects/{s}/versions/latest). No real registry can run on these machines.
public final class FakeConfluentRegistry: Sendable {
    public let requests = Atomic<Int>(0)
    /// Answer this many requests with 503 before serving normally.
    public let failuresLeft: Atomic<Int>
    /// The Authorization header of the last request.
    public let authorization = Mutex<String?>(nil)
    /// While true, every request is answered 503 (the registry is down).
    public let down = Atomic<Bool>(false)
    private let schemas = Mutex<[Int: String]>([:])
    private let subjects = Mutex<[String: [Int]]>([:])

    public init(failFirst: Int = 0) { failuresLeft = Atomic(failFirst) }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/subjects/:subject/versions") { request, context in
            self.requests.add(1, ordering: .relaxed)
            self.authorization.withLock { $0 = request.headers[.authorization] }
            if let failure = self.failure() { return failure }
            let body = try await request.body.collect(upTo: 1 << 20)
            let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
            guard let text = object?["schema"] as? String else {
                return Self.json(["error_code": 42201, "message": "Invalid schema"], status: .unprocessableContent)
            }
            let subject = context.parameters.get("subject")!
            if subject.hasSuffix("incompatible-value") {
                return Self.json(
                    ["error_code": 409, "message": "Schema being registered is incompatible"], status: .conflict)
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
            guard let id = context.parameters.get("id", as: Int.self), let text = self.schemas.withLock({ $0[id] })
            else {
                return Self.json(["error_code": 40403, "message": "Schema not found"], status: .notFound)
            }
            return Self.json(["schema": text])
        }
        router.get("/subjects/:subject/versions/latest") { _, context in
            self.requests.add(1, ordering: .relaxed)
            if let failure = self.failure() { return failure }
            let subject = context.parameters.get("subject")!
            guard let ids = self.subjects.withLock({ $0[subject] }), let id = ids.last,
                let text = self.schemas.withLock({ $0[id] })
            else {
                return Self.json(["error_code": 40401, "message": "Subject not found"], status: .notFound)
            }
            return Self.json(["subject": subject, "version": ids.count, "id": id, "schema": text])
        }
        return router
    }

    private func failure() -> Response? {
        if down.load(ordering: .relaxed) {
            return Self.json(["error_code": 50003, "message": "unavailable"], status: .serviceUnavailable)
        }
        var left = failuresLeft.load(ordering: .relaxed)
        while left > 0 {
            let (exchanged, original) = failuresLeft.compareExchange(
                expected: left, desired: left - 1, ordering: .relaxed)
            if exchanged {
                return Self.json(["error_code": 50003, "message": "unavailable"], status: .serviceUnavailable)
            }
            left = original
        }
        return nil
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = try! JSONSerialization.data(withJSONObject: object)
        return Response(
            status: status, headers: [.contentType: "application/vnd.schemaregistry.v1+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Serves on a free loopback port while `body` runs.
    public func serve(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await serveOnLoopback(router()) { port in try await body("http://127.0.0.1:\(port)") }
    }
}
