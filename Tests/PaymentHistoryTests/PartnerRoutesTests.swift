import Digest
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import PartnerAPI
@testable import PaymentHistory

@Suite("The partner status API: keys, tenants, rates")
struct PartnerRoutesTests {
    static let keyA = "key-of-tenant-a-0123456789abcdef"
    static let keyB = "key-of-tenant-b-0123456789abcdef"
    static func hash(_ key: String) -> String { Digest.hex(Digest.sha256(Array(key.utf8))) }

    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var json: [String: Any]
    }

    /// A history with PAY-1 of tenant A (delivered by webhook after a retry) and PAY-2 of tenant B.
    func withAPI(
        settings: PartnerRoutes.Settings = .init(), now: @escaping @Sendable () -> Int64 = { 1_000_000 },
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let store = try temporaryStore()
        let first = response("A", "PAY-1", offset: 0, type: .initiated, timestamp: 1_764_000_000_000)
        let second = response("A", "PAY-1", offset: 1, type: .completed, timestamp: 1_764_000_001_000)
        try await store.apply(
            batch(
                [first, second, response("B", "PAY-2", offset: 0, type: .failed, timestamp: 1_764_000_002_000)],
                attempts: [
                    attempt(first, number: 1, outcome: .delivered, status: 200, at: 1_764_000_000_100, logOffset: 0),
                    attempt(
                        second, number: 1, outcome: .retryScheduled, status: 503, at: 1_764_000_001_100, logOffset: 1),
                    attempt(second, number: 2, outcome: .delivered, status: 204, at: 1_764_000_001_900, logOffset: 2),
                ]))
        let tenants = PartnerTenants(
            keys: ["A": [Self.hash(Self.keyA)], "B": [Self.hash(Self.keyB)]], webhookTenants: ["A"])
        let app = Application(
            router: PartnerRoutes.router(store: store, tenants: tenants, settings: settings, now: now))
        try await app.test(.router) { client in try await body(client) }
    }

    func get(_ client: some TestClientProtocol, _ uri: String, key: String?) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            Answer(
                status: response.status, headers: response.headers,
                json: (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)))
                    as? [String: Any] ?? [:])
        }
    }

    @Test func aKeyReadsItsTenantsPaymentWithHistoryAndDelivery() async throws {
        try await withAPI { client in
            let answer = try await get(client, "/v1/payments/PAY-1", key: Self.keyA)
            #expect(answer.status == .ok)
            #expect(answer.json["paymentId"] as? String == "PAY-1")
            #expect(answer.json["status"] as? String == "COMPLETED")
            #expect(answer.json["eventType"] as? String == "PAYMENT_COMPLETED")
            #expect(answer.json["updatedAt"] as? String == "2025-11-24T16:00:01.000Z")
            #expect(answer.json.keys.contains("subReason"))
            let history = try #require(answer.json["history"] as? [[String: Any]])
            #expect(history.map { $0["status"] as? String } == ["INITIATED", "COMPLETED"])
            let delivery = try #require(answer.json["delivery"] as? [String: Any])
            #expect(delivery["state"] as? String == "delivered")
            #expect(delivery["attempts"] as? Int == 3)
            #expect(delivery["lastHttpStatus"] as? Int == 204)
            #expect(delivery["lastAttemptAt"] as? String == "2025-11-24T16:00:01.900Z")
            // A Kafka-delivery tenant's answer has no delivery.
            let other = try await get(client, "/v1/payments/PAY-2", key: Self.keyB)
            #expect(other.status == .ok)
            #expect(other.json["delivery"] == nil)
        }
    }

    @Test func withoutAValidKeyNothingIsShown() async throws {
        try await withAPI { client in
            for key in [nil, "", "wrong-key", Self.hash(Self.keyA)] as [String?] {
                let answer = try await get(client, "/v1/payments/PAY-1", key: key)
                #expect(answer.status == .unauthorized, "key \(key ?? "none")")
                #expect(answer.headers[.wwwAuthenticate] == "Bearer")
                #expect(answer.json["paymentId"] == nil)
            }
            let basic = try await client.execute(
                uri: "/v1/payments/PAY-1", method: .get, headers: [.authorization: "Basic \(Self.keyA)"]
            ) { $0.status }
            #expect(basic == .unauthorized)
        }
    }

    @Test func anotherTenantsPaymentIsAnsweredLikeAnUnknownOne() async throws {
        try await withAPI { client in
            let foreign = try await get(client, "/v1/payments/PAY-2", key: Self.keyA)
            let unknown = try await get(client, "/v1/payments/PAY-404", key: Self.keyA)
            #expect(foreign.status == .notFound)
            #expect(unknown.status == .notFound)
            #expect(foreign.json as NSDictionary == unknown.json as NSDictionary)
        }
    }

    @Test func pastItsRateAKeyIsToldToWaitAndOtherKeysAreNot() async throws {
        let clock = Mutex<Int64>(1_000_000)
        let now: @Sendable () -> Int64 = { clock.withLock { $0 } }
        try await withAPI(settings: .init(ratePerSecond: 2, burst: 3), now: now) { client in
            for _ in 0..<3 { #expect(try await get(client, "/v1/payments/PAY-1", key: Self.keyA).status == .ok) }
            let limited = try await get(client, "/v1/payments/PAY-1", key: Self.keyA)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "1")
            #expect(try await get(client, "/v1/payments/PAY-2", key: Self.keyB).status == .ok)
            clock.withLock { $0 += 500 }
            #expect(try await get(client, "/v1/payments/PAY-1", key: Self.keyA).status == .ok)
            #expect(try await get(client, "/v1/payments/PAY-1", key: Self.keyA).status == .tooManyRequests)
        }
    }

    @Test func otherMethodsAreNotAllowed() async throws {
        try await withAPI { client in
            for method in [HTTPRequest.Method.post, .put, .delete, .trace] {
                for path in ["/v1/payments/PAY-1", "/v1/openapi.yaml"] {
                    let (status, allow) = try await client.execute(uri: path, method: method) {
                        ($0.status, $0.headers[.allow])
                    }
                    #expect(status == .methodNotAllowed && allow == "GET", "\(method) \(path)")
                }
            }
        }
    }

    @Test func theDocumentIsServedWithoutAKey() async throws {
        try await withAPI { client in
            let text = try await client.execute(uri: "/v1/openapi.yaml", method: .get) { String(buffer: $0.body) }
            #expect(text.hasPrefix("openapi: 3.1.0"))
            #expect(text.contains("/v1/payments/{paymentId}"))
        }
    }
}
