import Digest
import Foundation

/// The keys that protect webhook secrets at rest in the control plane's topic
/// (`controlPlane.stateKeys`): AES-256-GCM, the tenant id as associated data (a secret sealed
/// for one tenant does not open as another's). The first key seals; every key opens, so keys are
/// rotated by putting a new one first and dropping the old one once everything is sealed again.
///
/// A sealed secret is text: `aesgcm1:<key id>:<base64 of nonce, ciphertext and tag>`, the key id
/// being the first 8 hex digits of the key's SHA-256 (which key opens it, without revealing it).
public struct StateKeys: Sendable {
    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        public enum Code: Sendable, Equatable {
            /// The configured keys are not usable (none, not base64, not 32 bytes, repeated).
            case badConfiguration
            /// The text is not a sealed secret of this format.
            case malformed
            /// Sealed under a key that is not configured (any more).
            case unknownKey
            /// Changed, or sealed for another tenant.
            case notAuthentic
        }

        public let code: Code
        public let description: String
    }

    static let scheme = "aesgcm1"
    private let keys: [(id: String, key: [UInt8])]

    /// `base64Keys`: 32-byte keys in base64, the sealing key first. Messages name keys by position
    /// and id, never by value.
    public init(base64Keys: [String]) throws(Failure) {
        guard !base64Keys.isEmpty else {
            throw Failure(code: .badConfiguration, description: "at least one key is needed")
        }
        var keys: [(id: String, key: [UInt8])] = []
        for (index, text) in base64Keys.enumerated() {
            guard let data = Data(base64Encoded: text), data.count == AESGCM.keyBytes else {
                throw Failure(
                    code: .badConfiguration, description: "key \(index) is not 32 bytes in base64 (value not shown)")
            }
            let key = Array(data)
            let id = String(Digest.hex(Digest.sha256(key)).prefix(8))
            guard !keys.contains(where: { $0.key == key }) else {
                throw Failure(code: .badConfiguration, description: "key \(index) repeats an earlier one")
            }
            keys.append((id, key))
        }
        self.keys = keys
    }

    /// The id of the sealing key.
    public var sealingKeyID: String { keys[0].id }

    public func seal(_ secret: String, tenant: String) throws(Failure) -> String {
        do {
            let sealed = try AESGCM.seal(Array(secret.utf8), key: keys[0].key, associatedData: Array(tenant.utf8))
            return "\(Self.scheme):\(keys[0].id):\(Data(sealed).base64EncodedString())"
        } catch {
            throw Failure(code: .badConfiguration, description: "cannot seal: \(error)")
        }
    }

    public func open(_ sealed: String, tenant: String) throws(Failure) -> String {
        let parts = sealed.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.scheme, let bytes = Data(base64Encoded: String(parts[2])) else {
            throw Failure(code: .malformed, description: "not a sealed secret (\(Self.scheme):<key id>:<base64>)")
        }
        guard let key = keys.first(where: { $0.id == parts[1] })?.key else {
            throw Failure(
                code: .unknownKey,
                description: "sealed under key \(parts[1]), which is not among controlPlane.stateKeys")
        }
        do {
            let plaintext = try AESGCM.open(Array(bytes), key: key, associatedData: Array(tenant.utf8))
            guard let text = String(validating: plaintext, as: UTF8.self) else {
                throw Failure(code: .malformed, description: "the sealed secret is not text")
            }
            return text
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(code: .notAuthentic, description: "the sealed secret of \(tenant) does not open: \(error)")
        }
    }
}
