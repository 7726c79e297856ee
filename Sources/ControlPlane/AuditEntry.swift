import Config
import Foundation
import Timing

/// One change of the control plane, as the audit topic keeps it (keyed by tenant id): when, who
/// (the admin token's name), what, and the tenant before and after — without secrets (only how
/// many webhook secrets there are).
public struct AuditEntry: Sendable, Equatable {
    public enum Action: String, Sendable {
        case create, replace, delete, pause, resume, enable
        case rotateSecret = "rotate-secret"
        case retryNow = "retry-now"
        /// The webhook sink disabled delivery (the endpoint answered 410, or was blocked).
        case disable
    }

    public var at: Int64
    public var by: String
    public var action: Action
    public var tenant: String
    public var before: TenantRecord?
    public var after: TenantRecord?

    public init(at: Int64, by: String, action: Action, tenant: String, before: TenantRecord?, after: TenantRecord?) {
        self.at = at
        self.by = by
        self.action = action
        self.tenant = tenant
        self.before = before
        self.after = after
    }

    /// The entry as JSON (members sorted by name).
    public var json: [UInt8] {
        func shown(_ record: TenantRecord?) -> Any {
            guard let record else { return NSNull() }
            var tenant = record.tenant.document { _ in "" }
            if var webhook = tenant["webhook"] as? [String: Any] {
                webhook["secrets"] = nil
                webhook["secretCount"] = record.tenant.webhook?.secrets.count ?? 0
                // Header values are secrets: only the names.
                webhook["headers"] = (record.tenant.webhook?.headers.keys.sorted()).flatMap { $0.isEmpty ? nil : $0 }
                // The OAuth2 client secret, the client key and its passphrase: left out.
                if var oauth2 = webhook["oauth2"] as? [String: Any] {
                    oauth2["clientSecret"] = nil
                    webhook["oauth2"] = oauth2
                }
                if var tls = webhook["tls"] as? [String: Any] {
                    tls["clientKeyPem"] = nil
                    tls["clientKeyPassphrase"] = nil
                    webhook["tls"] = tls
                }
                tenant["webhook"] = webhook
            }
            return [
                "tenant": tenant, "version": record.version, "paused": record.paused,
                "disabledReason": record.disabledReason ?? NSNull(),
                "retiringSecretCount": record.retiringSecrets.count,
                "enabledAt": record.enabledAt.map { ISO8601.string(milliseconds: $0) } ?? NSNull(),
                "retryNowAt": record.retryNowAt.map { ISO8601.string(milliseconds: $0) } ?? NSNull(),
            ] as [String: Any]
        }
        let document: [String: Any] = [
            "at": ISO8601.string(milliseconds: at), "by": by, "action": action.rawValue, "tenant": tenant,
            "before": shown(before), "after": shown(after),
        ]
        let data = try? JSONSerialization.data(
            withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return Array(data ?? Data())
    }
}
