import Digest

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
