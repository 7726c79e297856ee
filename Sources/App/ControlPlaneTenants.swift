import Admin
import Config
import ControlPlane
import Foundation
import Timing
import Webhooks

/// The admin API's tenant routes on the control plane: the configuration's tenants (read-only)
/// and those of the tenants topic, changed through `TenantStore`.
struct ControlPlaneTenants: TenantAdministration {
    let store: TenantStore

    /// How long the secrets a rotation replaces keep signing when the request does not say.
    static let defaultOverlap = "24h"

    func list() -> [TenantView] { store.entries.map { TenantView($0) } }

    func get(_ id: String) -> TenantView? { store.entry(id).map { TenantView($0) } }

    func put(id: String, json: String, caller: String) async -> TenantChangeOutcome {
        guard store.isLoaded else { return Self.loading }
        if let problem = TenantJSONTypes.problem(in: json) { return .invalid("\(problem)") }
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
        if let tls = tenant.webhook?.tls, let problem = Self.problem(with: tls) { return .invalid("\(problem)") }
        return await outcome(id) { try await store.put(tenant, by: caller) }
    }

    func delete(id: String, caller: String) async -> TenantChangeOutcome {
        guard store.isLoaded else { return Self.loading }
        return await outcome(id) { try await store.delete(id, by: caller) }
    }

    func rotateSecret(id: String, secret: String?, overlap: String?, caller: String) async -> TenantChangeOutcome {
        guard store.isLoaded else { return Self.loading }
        guard let entry = store.entry(id) else { return .notFound("no tenant '\(id)'") }
        guard entry.source == .controlPlane else { return Self.managedByConfiguration(id) }
        if let secret, !Secret.isWebhookSecret(secret) {
            return .invalid("\(ConfigurationError(key: "secret", problem: Secret.webhookSecretProblem))")
        }
        let duration: Duration
        do {
            duration = try DurationText.parse(overlap ?? Self.defaultOverlap, key: "overlap", allowingZero: true)
        } catch {
            return .invalid("\(error)")
        }
        guard entry.tenant.webhook != nil else { return Self.withoutWebhook(id) }
        let newSecret = secret ?? Secret.newWebhookSecret()
        let now = Date().millisecondsSince1970
        let answer = await outcome(id) {
            try await store.update(id, by: caller, action: .rotateSecret) {
                $0.rotate(to: newSecret, overlap: duration, now: now)
            }
        }
        guard case .replaced(let tenant) = answer else { return answer }
        guard tenant.webhook != nil else {
            // Replaced by a tenant without webhook delivery meanwhile: nothing was rotated.
            return Self.withoutWebhook(id)
        }
        return .rotated(SecretRotation(tenant: tenant, secret: newSecret))
    }

    func act(_ action: TenantAction, id: String, caller: String) async -> TenantChangeOutcome {
        guard store.isLoaded else { return Self.loading }
        let now = Date().millisecondsSince1970
        let (audited, change): (AuditEntry.Action, @Sendable (inout TenantRecord) -> Void) =
            switch action {
            case .pause: (.pause, { $0.paused = true })
            case .resume: (.resume, { $0.paused = false })
            case .enable: (.enable, { ($0.disabledReason, $0.enabledAt) = (nil, now) })
            case .retryNow: (.retryNow, { $0.retryNowAt = now })
            }
        return await outcome(id) { try await store.update(id, by: caller, action: audited, change) }
    }

    /// The answer to a change of tenant `id` that `decide` makes through the store.
    private func outcome(_ id: String, _ decide: () async throws -> TenantDirectory.Decision) async
        -> TenantChangeOutcome
    {
        do {
            switch try await decide() {
            case .write(let record, let created):
                let view = TenantView(record: record)
                return created ? .created(view) : .replaced(view)
            case .tombstone: return .deleted
            case .notFound: return .notFound("no tenant '\(id)'")
            case .managedByConfiguration: return Self.managedByConfiguration(id)
            }
        } catch {
            return .unavailable("the tenants topic does not take the change: \(error)")
        }
    }

    /// What stands in the way of a tenant's TLS settings through the API: a file path (each
    /// instance would read its own file), or PEM text that is not a usable certificate or key.
    static func problem(with tls: BridgeConfiguration.TLS) -> ConfigurationError? {
        let files = [
            ("caBundle", tls.caBundle), ("clientCertificate", tls.clientCertificate), ("clientKey", tls.clientKey),
        ]
        if let key = files.first(where: { $0.1 != nil })?.0 {
            return ConfigurationError(
                key: "webhook.tls.\(key)",
                problem:
                    "is a file path, which every instance would read on its own machine; give the PEM text as \(key)Pem"
            )
        }
        do { _ = try EndpointTLS(tls) } catch {
            return ConfigurationError(key: "webhook.tls.\(error.file.rawValue)", problem: error.description)
        }
        return nil
    }

    private static let loading = TenantChangeOutcome.unavailable("the tenants topic is still being read")

    /// 409: the tenant's state (its delivery), not the request, stands in the way.
    private static func withoutWebhook(_ id: String) -> TenantChangeOutcome {
        .conflict("tenant '\(id)' has kafka delivery: it has no webhook secret to rotate")
    }

    private static func managedByConfiguration(_ id: String) -> TenantChangeOutcome {
        .conflict("tenant '\(id)' is managed by the configuration file")
    }
}
