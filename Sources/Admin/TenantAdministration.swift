/// What the admin API's tenant routes do; the application provides it (the configuration's
/// tenants alone, or the control plane's as well).
public protocol TenantAdministration: Sendable {
    func list() -> [TenantView]
    func get(_ id: String) -> TenantView?
    /// Creates or replaces tenant `id` from its JSON (the shape of a `tenants[]` entry).
    func put(id: String, json: String, caller: String) async -> TenantChangeOutcome
    func delete(id: String, caller: String) async -> TenantChangeOutcome
    /// Replaces the webhook secret of tenant `id` with `secret` (a new one when nil); the secrets it
    /// replaces keep signing for `overlap` (a duration such as `24h`; 24 hours when nil). Answers
    /// `.rotated` with the new secret.
    func rotateSecret(id: String, secret: String?, overlap: String?, caller: String) async -> TenantChangeOutcome
    /// Changes the operational state of tenant `id`; answers `.replaced` with the tenant.
    func act(_ action: TenantAction, id: String, caller: String) async -> TenantChangeOutcome
}

/// A change of a tenant's operational state through the admin API (`POST /admin/tenants/{id}/<raw value>`).
public enum TenantAction: String, Sendable, CaseIterable {
    /// Records wait in Kafka; nothing is dead-lettered while paused.
    case pause
    case resume
    /// Delivery resumes after a 410 or a block of the endpoint.
    case enable
    /// The tenant's pending retries become due now, in their order.
    case retryNow = "retry-now"
}

/// How a change through the admin API ended.
public enum TenantChangeOutcome: Sendable, Equatable {
    case created(TenantView)
    /// 200: replaced, or its operational state changed.
    case replaced(TenantView)
    /// 200: the webhook secret was rotated; the answer is the only place the new secret is shown.
    case rotated(SecretRotation)
    case deleted
    case notFound(String)
    /// 409: e.g. the tenant is managed by the configuration file.
    case conflict(String)
    /// 422: the request is not valid (the message names the key).
    case invalid(String)
    /// 503: the change could not be made now (the tenants topic is not readable or writable).
    case unavailable(String)
}

/// The answer to a rotation: the tenant, and its new secret, shown this once. Printing it never
/// shows the secret.
public struct SecretRotation: Codable, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var tenant: TenantView
    public var secret: String

    public init(tenant: TenantView, secret: String) {
        self.tenant = tenant
        self.secret = secret
    }

    public var description: String { "SecretRotation(tenant: \(tenant.id), secret: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["tenant": tenant, "secret": "<redacted>"]) }
}

/// The configuration's tenants only: every change is refused (the control plane is off).
public struct ConfiguredTenants: TenantAdministration {
    private let tenants: [TenantView]

    public init(_ tenants: [TenantView]) { self.tenants = tenants }

    public func list() -> [TenantView] { tenants }
    public func get(_ id: String) -> TenantView? { tenants.first { $0.id == id } }
    public func put(id: String, json: String, caller: String) async -> TenantChangeOutcome { refused }
    public func delete(id: String, caller: String) async -> TenantChangeOutcome { refused }
    public func rotateSecret(id: String, secret: String?, overlap: String?, caller: String) async
        -> TenantChangeOutcome
    { refused }
    public func act(_ action: TenantAction, id: String, caller: String) async -> TenantChangeOutcome { refused }

    private var refused: TenantChangeOutcome {
        .conflict("tenants are managed by the configuration file (controlPlane.enabled is false)")
    }
}
