import ControlPlane
import Digest
import Foundation
import Testing

@Suite("Control plane: secrets sealed at rest")
struct StateKeysTests {
    static func key(_ fill: UInt8) -> String { Data(repeating: fill, count: 32).base64EncodedString() }
    let secret = "whsec_" + Data("partner-secret-0123456789".utf8).base64EncodedString()

    func failure(_ body: () throws -> Void) -> StateKeys.Failure.Code? {
        do {
            try body()
            return nil
        } catch {
            return (error as? StateKeys.Failure)?.code
        }
    }

    @Test("a sealed secret opens for its tenant, shows nothing of the secret, and differs every time")
    func roundTrip() throws {
        let keys = try StateKeys(base64Keys: [Self.key(1)])
        let sealed = try keys.seal(secret, tenant: "PARTNER-ABC")
        #expect(try keys.open(sealed, tenant: "PARTNER-ABC") == secret)
        #expect(!sealed.contains("whsec_") && !sealed.contains("partner-secret"))
        #expect(sealed.hasPrefix("aesgcm1:\(keys.sealingKeyID):"))
        #expect(try keys.seal(secret, tenant: "PARTNER-ABC") != sealed, "a fresh nonce each time")
        #expect(try keys.open(try keys.seal("", tenant: "T"), tenant: "T") == "")
    }

    @Test("another tenant, a changed byte, or a cut value does not open")
    func tamperDetection() throws {
        let keys = try StateKeys(base64Keys: [Self.key(1)])
        let sealed = try keys.seal(secret, tenant: "PARTNER-ABC")
        #expect(failure { _ = try keys.open(sealed, tenant: "PARTNER-XYZ") } == .notAuthentic)
        let parts = sealed.split(separator: ":")
        var bytes = Array(Data(base64Encoded: String(parts[2]))!)
        for index in [0, 12, bytes.count - 1] {
            var changed = bytes
            changed[index] ^= 0x01
            let text = "\(parts[0]):\(parts[1]):\(Data(changed).base64EncodedString())"
            #expect(failure { _ = try keys.open(text, tenant: "PARTNER-ABC") } == .notAuthentic, "byte \(index)")
        }
        bytes.removeLast(20)
        #expect(
            failure {
                _ = try keys.open("\(parts[0]):\(parts[1]):\(Data(bytes).base64EncodedString())", tenant: "PARTNER-ABC")
            } != nil)
        #expect(failure { _ = try keys.open("plain text", tenant: "PARTNER-ABC") } == .malformed)
    }

    @Test("rotation: the first key seals, every key opens; a dropped key names its id")
    func rotation() throws {
        let old = try StateKeys(base64Keys: [Self.key(1)])
        let sealedOld = try old.seal(secret, tenant: "T")
        let rotated = try StateKeys(base64Keys: [Self.key(2), Self.key(1)])
        #expect(try rotated.open(sealedOld, tenant: "T") == secret)
        let sealedNew = try rotated.seal(secret, tenant: "T")
        #expect(sealedNew.hasPrefix("aesgcm1:\(rotated.sealingKeyID):") && rotated.sealingKeyID != old.sealingKeyID)
        let newOnly = try StateKeys(base64Keys: [Self.key(2)])
        #expect(try newOnly.open(sealedNew, tenant: "T") == secret)
        #expect(failure { _ = try newOnly.open(sealedOld, tenant: "T") } == .unknownKey)
    }

    @Test("keys that cannot be used are refused without showing them")
    func badKeys() {
        for keys in [
            [], ["not base64!"], [Data(repeating: 1, count: 16).base64EncodedString()], [Self.key(3), Self.key(3)],
        ] {
            do {
                _ = try StateKeys(base64Keys: keys)
                Issue.record("accepted \(keys.count) unusable key(s)")
            } catch {
                #expect(error.code == .badConfiguration)
                #expect(!keys.contains { !$0.isEmpty && error.description.contains($0) })
            }
        }
    }

    @Test("AES-256-GCM matches a known answer (NIST GCM test case 14: zero key, zero nonce, 16 zero bytes)")
    func knownAnswer() throws {
        // Opening checks the tag computed by OpenSSL from the test vector's key, nonce and ciphertext.
        let ciphertext: [UInt8] = [
            0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e, 0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18,
        ]
        let tag: [UInt8] = [
            0xd0, 0xd1, 0xc8, 0xa7, 0x99, 0x99, 0x6b, 0xf0, 0x26, 0x5b, 0x98, 0xb5, 0xd4, 0x8a, 0xb9, 0x19,
        ]
        let opened = try AESGCM.open(
            [UInt8](repeating: 0, count: 12) + ciphertext + tag, key: [UInt8](repeating: 0, count: 32),
            associatedData: [])
        #expect(opened == [UInt8](repeating: 0, count: 16))
    }
}
