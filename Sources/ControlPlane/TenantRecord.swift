import Config
import Foundation
import Timing

/// A tenant as the control plane keeps it: the value of its record in the compacted tenants
/// topic (keyed by the tenant id; deletion is a tombstone). JSON: `tenant` (a `tenants[]` entry of
/// the file, its webhook secrets sealed with `StateKeys`), `version`, `updatedAt` (ISO-8601),
/// `updatedBy` (the admin token's name), `paused` and `disabledReason`. Reading one checks the
/// tenant exactly as the configuration loader checks the file's.
public struct TenantRecord: Sendable, Equatable {
    public var tenant: BridgeConfiguration.Tenant
    public var version: Int
    /// Milliseconds since the epoch.
    public var updatedAt: Int64
    public var updatedBy: String
    public var paused = false
    /// Why delivery is off (the endpoint answered 410, or was blocked), until `enable`.
    public var disabledReason: String?

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
            } catch {
                throw Failure(code: .sealedSecret, description: "a webhook secret or header of tenant \(id): \(error)")
            }
            tenantDocument["webhook"] = webhook
        }
        guard let json = try? JSONSerialization.data(withJSONObject: tenantDocument) else {
            throw Failure(code: .malformed, description: "the record of tenant \(id) is not a tenant record")
        }
        let tenant: BridgeConfiguration.Tenant
        do { tenant = try BridgeConfiguration.tenant(json: String(decoding: json, as: UTF8.self)) } catch {
            throw Failure(code: .invalidTenant, description: "tenant \(id): \(error)")
        }
        return TenantRecord(
            tenant: tenant, version: version, updatedAt: updatedAt.millisecondsSince1970,
            updatedBy: updatedBy, paused: paused,
            disabledReason: document["disabledReason"] as? String)
    }
}
