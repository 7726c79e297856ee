import Digest
import Foundation

/// Signs webhook bodies: Standard Webhooks v1 (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`) and the simple `X-Webhook-Signature: sha256=<hex>` scheme.
public struct WebhookSigner: Sendable {
    /// The HMAC keys, decoded from `whsec_<base64>` secrets; the first one signs the simple scheme.
    private let keys: [HMACKey]
    /// Keys a rotation replaced: each also signs (Standard Webhooks) until its time, in
    /// milliseconds since the epoch.
    private let retiring: [(key: HMACKey, until: Int64)]

    public init(secrets: [String], retiring: [(secret: String, until: Int64)] = []) throws(WebhookSecretError) {
        guard !secrets.isEmpty else { throw WebhookSecretError() }
        keys = try secrets.map { secret throws(WebhookSecretError) in try Self.key(of: secret) }
        self.retiring = try retiring.map { old throws(WebhookSecretError) in (try Self.key(of: old.secret), old.until) }
    }

    /// The key of a `whsec_<base64>` secret (the prefix is optional, as in the Standard Webhooks libraries).
    static func key(of secret: String) throws(WebhookSecretError) -> HMACKey {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let key = Data(base64Encoded: encoded), !key.isEmpty, let prepared = HMACKey(Array(key)) else {
            throw WebhookSecretError()
        }
        return prepared
    }

    /// `v1,<base64 signature>` for each active secret, space-separated: the secrets, and the
    /// retiring ones whose time is after `now` (milliseconds since the epoch; by default the
    /// start of `timestamp`'s second).
    public func standardSignature(id: String, timestamp: Int64, body: [UInt8], now: Int64? = nil) -> String {
        let prefix = Array("\(id).\(timestamp).".utf8)
        let moment = now ?? timestamp * 1000
        let active = keys + retiring.lazy.filter { $0.until > moment }.map(\.key)
        return active.map { key in
            "v1," + Data(key.authenticationCode(prefix, body)).base64EncodedString()
        }.joined(separator: " ")
    }

    /// `sha256=<hex HMAC-SHA256(key, body)>` with the newest secret (the first listed).
    public func simpleSignature(body: [UInt8]) -> String {
        "sha256=" + Digest.hex(keys[0].authenticationCode(body))
    }

    /// The signature headers of one delivery attempt.
    public func headers(id: String, timestamp: Int64, body: [UInt8], now: Int64? = nil) -> [(String, String)] {
        [
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", standardSignature(id: id, timestamp: timestamp, body: body, now: now)),
            ("X-Webhook-Signature", simpleSignature(body: body)),
        ]
    }
}
