import ControlPlane
import ServiceLifecycle

/// Runs the control plane's `TenantStore` in the service group (until shutdown).
struct TenantStoreService: Service {
    let store: TenantStore

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await store.run() }
    }
}
