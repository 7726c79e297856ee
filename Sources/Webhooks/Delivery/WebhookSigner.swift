import Digest
import Foundation

/// Signs webhook bodies: Standard Webhooks v1 (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`) and the simple `X-Webhook-Signature: sha256=<hex>` scheme.
public struct WebhookSigner: Sendable {
    /// The HMAC keys, decoded from `whsec_<base64>` secrets; the first one signs the simple scheme.
    private let keys: [[UInt8]]

    public init(secrets: [String]) throws(WebhookSecretError) {
        guard !secrets.isEmpty else { throw WebhookSecretError() }
        keys = try secrets.map { secret throws(WebhookSecretError) in try Self.key(of: secret) }
    }

    /// The key of a `whsec_<base64>` secret (the prefix is optional, as in the Standard Webhooks libraries).
    static func key(of secret: String) throws(WebhookSecretError) -> [UInt8] {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Data(base64Encoded: encoded), !key.isEmpty else { throw WebhookSecretError() }
        return Array(key)
    }

    /// `v1,<base64 signature>` for each active secret, space-separated.
    public func standardSignature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed.append(contentsOf: body)
        return keys.map { key in
            "v1," + Data(Digest.hmacSHA256(key: key, data: signed)).base64EncodedString()
        }.joined(separator: " ")
    }

    /// `sha256=<hex HMAC-SHA256(key, body)>` with the newest secret (the first listed).
    public func simpleSignature(body: [UInt8]) -> String {
        "sha256=" + Digest.hex(Digest.hmacSHA256(key: keys[0], data: body))
    }

    /// The signature headers of one delivery attempt.
    public func headers(id: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        [
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", standardSignature(id: id, timestamp: timestamp, body: body)),
            ("X-Webhook-Signature", simpleSignature(body: body)),
        ]
    }
}
