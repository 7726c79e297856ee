import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A client of the admin API, for the `tenants` commands: the base URL of the admin listener
/// and a bearer token.
public struct AdminClient: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        public enum Code: Sendable, Equatable {
            case unreachable
            /// 401: no token, or not a valid one.
            case unauthorized
            /// 403: the admin API is off (no admin.tokens).
            case forbidden
            case notFound
            /// 409: e.g. a tenant of the configuration file.
            case conflict
            /// 422: the tenant is not valid (the message names the key).
            case invalid
            /// Any other answer, or one that is not what the API sends.
            case unexpected
        }

        public let code: Code
        public let description: String
    }

    public let baseURL: String
    private let token: String?
    private let timeout: Duration

    public init(baseURL: String, token: String?, timeout: Duration = .seconds(10)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.timeout = timeout
    }

    public func tenants() async throws(Failure) -> [TenantView] {
        try await get("/admin/tenants", as: [String: [TenantView]].self)["tenants"] ?? []
    }

    public func tenant(_ id: String) async throws(Failure) -> TenantView {
        try await get(Self.path(id), as: TenantView.self)
    }

    /// Creates or replaces tenant `id` from its JSON; true when it was created.
    public func put(_ id: String, json: [UInt8]) async throws(Failure) -> (tenant: TenantView, created: Bool) {
        let (status, tenant) = try await call(.PUT, Self.path(id), body: json, as: TenantView.self)
        return (tenant!, status == 201)
    }

    public func delete(_ id: String) async throws(Failure) {
        _ = try await call(.DELETE, Self.path(id), body: nil, as: TenantView.self)
    }

    /// Rotates tenant `id`'s webhook secret (to `secret`, or a generated one); the replaced secrets
    /// keep signing for `overlap` (`24h` when nil). The answer carries the new secret, this once.
    public func rotateSecret(_ id: String, secret: String? = nil, overlap: String? = nil) async throws(Failure)
        -> SecretRotation
    {
        var fields: [String: String] = [:]
        fields["secret"] = secret
        fields["overlap"] = overlap
        let body = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
        return try await call(.POST, Self.path(id) + "/rotate-secret", body: Array(body), as: SecretRotation.self).1!
    }

    /// Pauses, resumes, re-enables tenant `id` or makes its pending retries due now.
    public func act(_ action: TenantAction, _ id: String) async throws(Failure) -> TenantView {
        try await call(.POST, Self.path(id) + "/\(action.rawValue)", body: nil, as: TenantView.self).1!
    }

    /// `GET /admin/payments/{paymentId}`: a payment's trace, decoded as `type`.
    public func payment<T: Decodable>(_ paymentId: String, as type: T.Type) async throws(Failure) -> T {
        let segment = paymentId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
        return try await get("/admin/payments/" + (segment ?? paymentId), as: type)
    }

    /// The path of tenant `id`.
    private static func path(_ id: String) -> String {
        "/admin/tenants/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id)
    }

    private func get<T: Decodable>(_ path: String, as type: T.Type) async throws(Failure) -> T {
        try await call(.GET, path, body: nil, as: type).1!
    }

    /// Calls the API; the decoded answer (nil for 204).
    private func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: [UInt8]?, as type: T.Type)
        async throws(Failure) -> (UInt, T?)
    {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let status: UInt
        let body: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout.components.seconds))
            status = response.status.code
            body = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw Failure(code: .unreachable, description: "the admin API at \(baseURL) does not answer: \(error)")
        }
        let data = Data(buffer: body)
        let message = (try? JSONDecoder().decode([String: String].self, from: data))?["error"] ?? "HTTP \(status)"
        switch status {
        case 204:
            return (status, nil)
        case 200, 201:
            guard let value = try? JSONDecoder().decode(T.self, from: data) else {
                throw Failure(code: .unexpected, description: "the admin API answered something else than expected")
            }
            return (status, value)
        case 401: throw Failure(code: .unauthorized, description: "\(message) (set PAYMENTS_BRIDGE_ADMIN_TOKEN)")
        case 403: throw Failure(code: .forbidden, description: message)
        case 404: throw Failure(code: .notFound, description: message)
        case 409: throw Failure(code: .conflict, description: message)
        case 422: throw Failure(code: .invalid, description: message)
        default: throw Failure(code: .unexpected, description: "the admin API answered \(status): \(message)")
        }
    }
}
