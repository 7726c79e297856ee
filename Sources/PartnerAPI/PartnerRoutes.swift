import Foundation
import Hummingbird
import Logging
import PaymentHistory
import Synchronization
import Timing

/// The partners' status API: `GET /v1/payments/{paymentId}` with `Authorization: Bearer <key>`,
/// answered from the payment history; its OpenAPI document at `/v1/openapi.yaml`. A payment of
/// another tenant is answered exactly like an unknown one (404), so a key tells nothing about
/// other tenants' payments. Each key has its own rate (429 with `Retry-After` past it).
public enum PartnerRoutes {
    public struct Settings: Sendable {
        public var ratePerSecond: Double
        public var burst: Int
        public init(ratePerSecond: Double = 20, burst: Int = 40) {
            self.ratePerSecond = ratePerSecond
            self.burst = burst
        }
    }

    /// - Parameter tenants: the tenants' keys and delivery, replaced when tenants change.
    public static func router(
        store: HistoryStore, tenants: PartnerTenants, settings: Settings = Settings(),
        now: @escaping @Sendable () -> Int64 = { Date().millisecondsSince1970 }
    ) -> Router<BasicRequestContext> {
        let router = Router()
        let limits = RateLimits(settings: settings)
        router.get("/v1/payments/:paymentId") { request, context in
            let current = tenants.current
            guard let (tenant, keyHash) = current.keys.tenant(authorization: request.headers[.authorization]) else {
                var response = try problem(
                    .unauthorized, "a valid key is required: Authorization: Bearer <key>", request, context)
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
            if let wait = limits.take(keyHash, now: now()) {
                var response = try problem(
                    .tooManyRequests, "too many requests for this key; try again later", request, context)
                response.headers[.retryAfter] = String(max(1, (wait + 999) / 1000))
                return response
            }
            let paymentId = context.parameters.get("paymentId") ?? ""
            guard let state = try await store.status(tenant: tenant, paymentId: paymentId) else {
                return try problem(.notFound, "no such payment", request, context)
            }
            return try PaymentStatusDocument(state, withDelivery: current.webhookTenants.contains(tenant)).response(
                from: request, context: context)
        }
        router.get("/v1/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.partner_openapi_yaml)))
        }
        // Other methods: 405 with `Allow: GET` (HEAD is answered as GET).
        let others: [HTTPRequest.Method] =
            [.post, .put, .delete, .patch, .options, .trace, .connect] + [HTTPRequest.Method("QUERY")].compactMap { $0 }
        for method in others {
            for path in ["/v1/payments/:paymentId", "/v1/openapi.yaml"] {
                router.on(RouterPath(stringLiteral: path), method: method) { request, context in
                    var response = try problem(.methodNotAllowed, "this path answers GET only", request, context)
                    response.headers[.allow] = "GET"
                    return response
                }
            }
        }
        return router
    }

    /// An error answer: `{"error": message}`.
    static func problem(
        _ status: HTTPResponse.Status, _ message: String, _ request: Request, _ context: BasicRequestContext
    ) throws -> Response {
        try EditedResponse(status: status, response: ErrorDocument(error: message)).response(
            from: request, context: context)
    }

    struct ErrorDocument: ResponseEncodable {
        var error: String
    }
}

/// A token bucket per key (by the key's hash); at most `maxKeys` buckets are kept (the oldest
/// full ones are forgotten first), so many keys cannot grow memory without bound.
final class RateLimits: Sendable {
    private let settings: PartnerRoutes.Settings
    private let buckets = Mutex<[[UInt8]: TokenBucket]>([:])
    static let maxKeys = 10_000

    init(settings: PartnerRoutes.Settings) { self.settings = settings }

    func take(_ key: [UInt8], now: Int64) -> Int64? {
        buckets.withLock { buckets in
            if buckets[key] == nil, buckets.count >= Self.maxKeys { buckets.removeAll(keepingCapacity: true) }
            var bucket =
                buckets[key]
                ?? TokenBucket(ratePerSecond: settings.ratePerSecond, capacity: Double(settings.burst), now: now)
            defer { buckets[key] = bucket }
            return bucket.take(now: now)
        }
    }
}
