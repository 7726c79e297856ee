import COpenSSL

/// An HMAC-SHA256 key made ready once (OpenSSL's keyed MAC context), for signing many messages:
/// each signature starts from a copy of the keyed state instead of looking up the algorithm and
/// hashing the key again, as the one-shot `HMAC` does.
public final class HMACKey: @unchecked Sendable {
    /// Never updated after init: each message works on its own duplicate, so concurrent use is safe.
    private let keyed: OpaquePointer

    /// Nil only when OpenSSL cannot make an HMAC-SHA256 context.
    public init?(_ key: [UInt8]) {
        guard let keyed = key.withUnsafeBufferPointer({ pb_hmac_sha256_keyed($0.baseAddress, $0.count) }) else {
            return nil
        }
        self.keyed = keyed
    }

    deinit { EVP_MAC_CTX_free(keyed) }

    /// The HMAC of the parts, in order, as one message.
    public func authenticationCode(_ parts: [UInt8]...) -> [UInt8] {
        guard let context = EVP_MAC_CTX_dup(keyed) else { fatalError("OpenSSL cannot copy an HMAC context") }
        defer { EVP_MAC_CTX_free(context) }
        for part in parts {
            let updated = part.withUnsafeBufferPointer { EVP_MAC_update(context, $0.baseAddress, $0.count) }
            guard updated == 1 else { fatalError("OpenSSL cannot update an HMAC") }
        }
        var output = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        var length = 0
        let finished = output.withUnsafeMutableBufferPointer {
            EVP_MAC_final(context, $0.baseAddress, &length, $0.count)
        }
        // Never a signature of zeros: a failure here is OpenSSL's, not the message's.
        guard finished == 1, length == output.count else { fatalError("OpenSSL cannot finish an HMAC") }
        return output
    }
}
