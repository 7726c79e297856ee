import Digest
import Synchronization

/// Who may read which tenant's payments: the SHA-256 of each key (never the key) with its tenant.
/// A presented key is hashed and compared with every configured hash in full, in constant time,
/// so timing tells nothing about the keys.
public struct StatusKeys: Sendable {
    private let keys: [(digest: [UInt8], tenant: String)]

    /// `hashes`: per tenant, the lowercase hex SHA-256 of each of its keys.
    public init(_ hashes: [String: [String]]) {
        keys = hashes.sorted { $0.key < $1.key }.flatMap { tenant, hexes in
            hexes.compactMap { hex in Self.bytes(hex).map { ($0, tenant) } }
        }
    }

    /// The tenant of the `Authorization: Bearer <key>` header, and the key's hash (the rate
    /// limit's key); nil without a valid key.
    public func tenant(authorization: String?) -> (tenant: String, keyHash: [UInt8])? {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
            return nil
        }
        let presented = Digest.sha256(Array(authorization.dropFirst(7).utf8))
        var found: String?
        for key in keys where Digest.constantTimeEqual(key.digest, presented) && found == nil { found = key.tenant }
        return found.map { ($0, presented) }
    }

    private static func bytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }
}

/// What the status API needs to know of the tenants — their keys and which get webhooks — built
/// once per change of the tenants rather than per request.
public final class PartnerTenants: Sendable {
    public struct Snapshot: Sendable {
        public let keys: StatusKeys
        public let webhookTenants: Set<String>
    }

    private let snapshot: Mutex<Snapshot>

    /// - Parameters:
    ///   - keys: per tenant, the lowercase hex SHA-256 of each of its keys.
    ///   - webhookTenants: the tenants that get webhooks (their answers carry `delivery`).
    public init(keys: [String: [String]], webhookTenants: Set<String>) {
        snapshot = Mutex(Snapshot(keys: StatusKeys(keys), webhookTenants: webhookTenants))
    }

    public var current: Snapshot { snapshot.withLock { $0 } }

    public func replace(keys: [String: [String]], webhookTenants: Set<String>) {
        let next = Snapshot(keys: StatusKeys(keys), webhookTenants: webhookTenants)
        snapshot.withLock { $0 = next }
    }
}
