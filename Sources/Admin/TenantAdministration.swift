/// What the admin API's tenant routes do; the application provides it (the configuration's
/// tenants alone, or the control plane's as well).
public protocol TenantAdministration: Sendable {
    func list() -> [TenantView]
    func get(_ id: String) -> TenantView?
    /// Creates or replaces tenant `id` from its JSON (the shape of a `tenants[]` entry).
    func put(id: String, json: String, caller: String) async -> TenantChangeOutcome
    func delete(id: String, caller: String) async -> TenantChangeOutcome
}

/// How a change through the admin API ended.
public enum TenantChangeOutcome: Sendable, Equatable {
    case created(TenantView)
    case replaced(TenantView)
    case deleted
    case notFound(String)
    /// 409: e.g. the tenant is managed by the configuration file.
    case conflict(String)
    /// 422: the tenant is not valid (the message names the key).
    case invalid(String)
    /// 503: the change could not be made now (the tenants topic is not readable or writable).
    case unavailable(String)
}

/// The configuration's tenants only: every change is refused (the control plane is off).
public struct ConfiguredTenants: TenantAdministration {
    private let tenants: [TenantView]

    public init(_ tenants: [TenantView]) { self.tenants = tenants }

    public func list() -> [TenantView] { tenants }
    public func get(_ id: String) -> TenantView? { tenants.first { $0.id == id } }
    public func put(id: String, json: String, caller: String) async -> TenantChangeOutcome { refused }
    public func delete(id: String, caller: String) async -> TenantChangeOutcome { refused }

    private var refused: TenantChangeOutcome {
        .conflict("tenants are managed by the configuration file (controlPlane.enabled is false)")
    }
}
