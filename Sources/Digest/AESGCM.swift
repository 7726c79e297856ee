import COpenSSL

/// AES-256-GCM through OpenSSL's libcrypto: authenticated encryption of small values (the
/// control plane's secrets at rest). A sealed value is the 12-byte nonce (random, fresh for
/// every seal), the ciphertext and the 16-byte tag; opening checks the tag, so a value that was
/// changed, sealed under another key or with other associated data is refused.
public enum AESGCM {
    public static let keyBytes = 32
    static let nonceBytes = 12
    static let tagBytes = 16

    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        public enum Code: Sendable, Equatable {
            /// The key is not 32 bytes.
            case badKey
            /// Too short to be a sealed value.
            case malformed
            /// The tag does not match: tampered with, another key, or other associated data.
            case notAuthentic
            /// libcrypto failed (out of memory, no randomness).
            case library
        }

        public let code: Code
        public let description: String
    }

    /// Seals `plaintext` under `key`, bound to `associatedData` (not encrypted, but required to open).
    public static func seal(_ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8]) throws(Failure) -> [UInt8] {
        guard key.count == keyBytes else { throw Failure(code: .badKey, description: "an AES-256 key is 32 bytes") }
        var nonce = [UInt8](repeating: 0, count: nonceBytes)
        guard RAND_bytes(&nonce, Int32(nonceBytes)) == 1 else {
            throw Failure(code: .library, description: "no random bytes for the nonce")
        }
        guard let context = EVP_CIPHER_CTX_new() else {
            throw Failure(code: .library, description: "no cipher context")
        }
        defer { EVP_CIPHER_CTX_free(context) }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: tagBytes)
        var length: Int32 = 0
        var total = 0
        let ok =
            EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceBytes), nil) == 1
            && EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1
            && (associatedData.isEmpty
                || EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1)
            && EVP_EncryptUpdate(context, &ciphertext, &length, plaintext, Int32(plaintext.count)) == 1
        guard ok else { throw Failure(code: .library, description: "encryption failed") }
        total = Int(length)
        let finished = ciphertext.withUnsafeMutableBufferPointer { buffer in
            EVP_EncryptFinal_ex(context, buffer.baseAddress! + total, &length) == 1
        }
        guard finished, EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagBytes), &tag) == 1 else {
            throw Failure(code: .library, description: "encryption failed")
        }
        total += Int(length)
        return nonce + ciphertext.prefix(total) + tag
    }

    /// Opens a value sealed by `seal` with the same key and associated data.
    public static func open(_ sealed: [UInt8], key: [UInt8], associatedData: [UInt8]) throws(Failure) -> [UInt8] {
        guard key.count == keyBytes else { throw Failure(code: .badKey, description: "an AES-256 key is 32 bytes") }
        guard sealed.count >= nonceBytes + tagBytes else {
            throw Failure(code: .malformed, description: "a sealed value is at least \(nonceBytes + tagBytes) bytes")
        }
        let nonce = Array(sealed.prefix(nonceBytes))
        let ciphertext = Array(sealed.dropFirst(nonceBytes).dropLast(tagBytes))
        var tag = Array(sealed.suffix(tagBytes))
        guard let context = EVP_CIPHER_CTX_new() else {
            throw Failure(code: .library, description: "no cipher context")
        }
        defer { EVP_CIPHER_CTX_free(context) }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var length: Int32 = 0
        let ok =
            EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceBytes), nil) == 1
            && EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1
            && (associatedData.isEmpty
                || EVP_DecryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1)
            && EVP_DecryptUpdate(context, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagBytes), &tag) == 1
        guard ok else { throw Failure(code: .library, description: "decryption failed") }
        let total = Int(length)
        let authentic = plaintext.withUnsafeMutableBufferPointer { buffer in
            EVP_DecryptFinal_ex(context, buffer.baseAddress! + total, &length) == 1
        }
        guard authentic else {
            throw Failure(
                code: .notAuthentic,
                description: "the sealed value is not authentic (changed, another key, or other associated data)")
        }
        return Array(plaintext.prefix(total + Int(length)))
    }
}
