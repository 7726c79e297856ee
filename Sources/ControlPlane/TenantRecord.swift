import Config
import Foundation
import Timing

/// A tenant as the control plane keeps it: the value of its record in the compacted tenants
/// topic (keyed by the tenant id; deletion is a tombstone). JSON: `tenant` (a `tenants[]` entry of
/// the file, its webhook secrets, header values, OAuth2 client secret, client key and key
/// passphrase sealed with `StateKeys`), `version`, `updatedAt` (ISO-8601), `updatedBy` (the admin
/// token's name), the operational state (`paused`, `disabledReason`, `enabledAt`, `retryNowAt`)
/// and `retiringSecrets` (secrets replaced by a rotation that still sign until their `until`,
/// sealed too). Reading one checks the tenant exactly as the
/// configuration loader checks the file's.
public struct TenantRecord: Sendable, Equatable {
    public var tenant: BridgeConfiguration.Tenant
    public var version: Int
    /// Milliseconds since the epoch.
    public var updatedAt: Int64
    public var updatedBy: String
    public var paused = false
    /// Why delivery is off (the endpoint answered 410, or was blocked), until `enable`.
    public var disabledReason: String?
    /// When delivery was last re-enabled (milliseconds since the epoch): every instance forgets
    /// an earlier 410 or block of the endpoint when it sees this change.
    public var enabledAt: Int64?
    /// When `retry-now` was last asked: every instance makes the tenant's retries pending at that
    /// moment due at once when it sees this change.
    public var retryNowAt: Int64?
    /// Secrets a rotation replaced, still signing (besides the tenant's own) until their time.
    public var retiringSecrets: [RetiringSecret] = []

    public struct RetiringSecret: Sendable, Equatable {
        public var secret: Secret
        /// Milliseconds since the epoch.
        public var until: Int64

        public init(secret: Secret, until: Int64) {
            self.secret = secret
            self.until = until
        }
    }

    /// The retiring secrets still signing at `now`.
    public func retiringSecrets(at now: Int64) -> [RetiringSecret] { retiringSecrets.filter { $0.until > now } }

    /// Rotates the webhook secret: `secret` becomes the tenant's one secret, and the secrets it
    /// replaces keep signing until `now + overlap` (none when `overlap` is 0). Retiring secrets
    /// already expired are dropped.
    public mutating func rotate(to secret: String, overlap: Duration, now: Int64) {
        guard var webhook = tenant.webhook else { return }
        retiringSecrets = retiringSecrets(at: now)
        let until = now + overlap.milliseconds
        if until > now {
            for old in webhook.secrets where old.value != secret {
                retiringSecrets.removeAll { $0.secret.value == old.value }
                retiringSecrets.append(RetiringSecret(secret: old, until: until))
            }
        }
        retiringSecrets.removeAll { $0.secret.value == secret }
        webhook.secrets = [Secret(secret)]
        tenant.webhook = webhook
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Code: Sendable, Equatable {
            /// Not a record of this shape.
            case malformed
            /// A secret does not open (see `StateKeys.Failure`).
            case sealedSecret
            /// The tenant is not valid (`configuration` names the key).
            case invalidTenant
        }

        public let code: Code
        public let description: String
    }

    public init(
        tenant: BridgeConfiguration.Tenant, version: Int, updatedAt: Int64, updatedBy: String,
        paused: Bool = false, disabledReason: String? = nil
    ) {
        self.tenant = tenant
        self.version = version
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
        self.paused = paused
        self.disabledReason = disabledReason
    }

    /// The record's value, its secrets sealed for this tenant.
    public func encoded(keys: StateKeys) throws(StateKeys.Failure) -> [UInt8] {
        var sealing: StateKeys.Failure?
        let tenantDocument = tenant.document { secret in
            do { return try keys.seal(secret, tenant: tenant.id) } catch {
                sealing = error as? StateKeys.Failure
                return ""
            }
        }
        if let sealing { throw sealing }
        var document: [String: Any] = [
            "tenant": tenantDocument, "version": version, "updatedAt": ISO8601.string(milliseconds: updatedAt),
            "updatedBy": updatedBy, "paused": paused,
        ]
        document["disabledReason"] = disabledReason ?? NSNull()
        document["enabledAt"] = enabledAt.map { ISO8601.string(milliseconds: $0) } ?? NSNull()
        document["retryNowAt"] = retryNowAt.map { ISO8601.string(milliseconds: $0) } ?? NSNull()
        if !retiringSecrets.isEmpty {
            var retiring: [[String: String]] = []
            for old in retiringSecrets {
                retiring.append([
                    "secret": try keys.seal(old.secret.value, tenant: tenant.id),
                    "until": ISO8601.string(milliseconds: old.until),
                ])
            }
            document["retiringSecrets"] = retiring
        }
        // Plain JSON values only: serialization cannot fail.
        let data =
            (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))
        return Array(data ?? Data())
    }

    /// Reads a record's value written for `id` (the record's key): opens its secrets and checks
    /// the tenant as the loader does.
    public static func decoded(_ value: [UInt8], id: String, keys: StateKeys) throws(Failure) -> TenantRecord {
        guard let document = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any],
            var tenantDocument = document["tenant"] as? [String: Any],
            let version = document["version"] as? Int, let updatedAtText = document["updatedAt"] as? String,
            let updatedAt = ISO8601.date(updatedAtText), let updatedBy = document["updatedBy"] as? String,
            let paused = document["paused"] as? Bool
        else { throw Failure(code: .malformed, description: "the record of tenant \(id) is not a tenant record") }
        guard tenantDocument["id"] as? String == id else {
            throw Failure(code: .malformed, description: "the record keyed \(id) holds another tenant")
        }
        if var webhook = tenantDocument["webhook"] as? [String: Any] {
            do {
                if let sealed = webhook["secrets"] as? [String] {
                    webhook["secrets"] = try sealed.map { text throws(StateKeys.Failure) in
                        try keys.open(text, tenant: id)
                    }
                }
                if let sealed = webhook["headers"] as? [String: String] {
                    webhook["headers"] = try sealed.mapValues { text throws(StateKeys.Failure) in
                        try keys.open(text, tenant: id)
                    }
                }
                for (section, key) in [
                    ("oauth2", "clientSecret"), ("tls", "clientKeyPem"), ("tls", "clientKeyPassphrase"),
                ] {
                    guard var settings = webhook[section] as? [String: Any], let sealed = settings[key] as? String
                    else { continue }
                    settings[key] = try keys.open(sealed, tenant: id)
                    webhook[section] = settings
                }
            } catch {
                throw Failure(
                    code: .sealedSecret, description: "a sealed webhook setting of tenant \(id): \(error)")
            }
            tenantDocument["webhook"] = webhook
        }
        var retiring: [RetiringSecret] = []
        for entry in document["retiringSecrets"] as? [[String: String]] ?? [] {
            guard let sealed = entry["secret"], let untilText = entry["until"], let until = ISO8601.date(untilText)
            else { throw Failure(code: .malformed, description: "a retiring secret of tenant \(id) is not readable") }
            do {
                retiring.append(
                    RetiringSecret(
                        secret: Secret(try keys.open(sealed, tenant: id)), until: until.millisecondsSince1970))
            } catch {
                throw Failure(code: .sealedSecret, description: "a retiring webhook secret of tenant \(id): \(error)")
            }
        }
        func instant(_ key: String) -> Int64? {
            (document[key] as? String).flatMap(ISO8601.date).map(\.millisecondsSince1970)
        }
        guard let json = try? JSONSerialization.data(withJSONObject: tenantDocument) else {
            throw Failure(code: .malformed, description: "the record of tenant \(id) is not a tenant record")
        }
        let tenant: BridgeConfiguration.Tenant
        do { tenant = try BridgeConfiguration.tenant(json: String(decoding: json, as: UTF8.self)) } catch {
            throw Failure(code: .invalidTenant, description: "tenant \(id): \(error)")
        }
        var record = TenantRecord(
            tenant: tenant, version: version, updatedAt: updatedAt.millisecondsSince1970,
            updatedBy: updatedBy, paused: paused,
            disabledReason: document["disabledReason"] as? String)
        record.enabledAt = instant("enabledAt")
        record.retryNowAt = instant("retryNowAt")
        record.retiringSecrets = retiring
        return record
    }
}
