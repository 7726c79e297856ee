import Admin
import Config
import ControlPlane
import Foundation

/// The admin API's tenant routes on the control plane: the configuration's tenants (read-only)
/// and those of the tenants topic, changed through `TenantStore`.
struct ControlPlaneTenants: TenantAdministration {
    let store: TenantStore

    func list() -> [TenantView] { store.entries.map(TenantView.init) }

    func get(_ id: String) -> TenantView? { store.entry(id).map(TenantView.init) }

    func put(id: String, json: String, caller: String) async -> TenantChangeOutcome {
        guard store.isLoaded else { return .unavailable("the tenants topic is still being read") }
        // The body may leave the id out: it is the path's.
        var body = json
        if let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
            object["id"] == nil,
            let data = try? JSONSerialization.data(withJSONObject: object.merging(["id": id]) { given, _ in given })
        {
            body = String(decoding: data, as: UTF8.self)
        }
        let tenant: BridgeConfiguration.Tenant
        do { tenant = try BridgeConfiguration.tenant(json: body) } catch { return .invalid("\(error)") }
        guard tenant.id == id else { return .invalid("id: '\(tenant.id)' differs from the path's '\(id)'") }
        guard tenant.delivery == .kafka else {
            return .invalid(
                "delivery: tenants with webhook delivery cannot be managed through the API yet (the webhook sink does "
                    + "not follow the control plane yet); list them in the configuration file")
        }
        do {
            switch try await store.put(tenant, by: caller) {
            case .write(let record, let created):
                let view = TenantView(record.tenant, managedBy: TenantDirectory.Source.controlPlane.rawValue)
                return created ? .created(view) : .replaced(view)
            case .managedByConfiguration: return .conflict("tenant '\(id)' is managed by the configuration file")
            case .tombstone, .notFound: return .unavailable("unexpected outcome")
            }
        } catch {
            return .unavailable("the tenants topic does not take the change: \(error)")
        }
    }

    func delete(id: String, caller: String) async -> TenantChangeOutcome {
        guard store.isLoaded else { return .unavailable("the tenants topic is still being read") }
        do {
            switch try await store.delete(id, by: caller) {
            case .tombstone: return .deleted
            case .notFound: return .notFound("no tenant '\(id)'")
            case .managedByConfiguration: return .conflict("tenant '\(id)' is managed by the configuration file")
            case .write: return .unavailable("unexpected outcome")
            }
        } catch {
            return .unavailable("the tenants topic does not take the change: \(error)")
        }
    }
}
