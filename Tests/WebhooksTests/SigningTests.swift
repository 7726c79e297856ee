import Digest
import Foundation
import Testing

@testable import Webhooks

@Suite struct SigningTests {
    @Test func matchesTheStandardWebhooksSpecTestVector() throws {
        // The example from the Standard Webhooks specification.
        let signer = try WebhookSigner(secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        let signature = signer.standardSignature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func signsOncePerActiveSecretDuringRotation() throws {
        let old = "whsec_" + Data("old-key-0123456789".utf8).base64EncodedString()
        let new = "whsec_" + Data("new-key-9876543210".utf8).base64EncodedString()
        let body = Array(#"{"a":1}"#.utf8)
        let both = try WebhookSigner(secrets: [new, old]).standardSignature(id: "evt", timestamp: 10, body: body)
        let onlyNew = try WebhookSigner(secrets: [new]).standardSignature(id: "evt", timestamp: 10, body: body)
        let onlyOld = try WebhookSigner(secrets: [old]).standardSignature(id: "evt", timestamp: 10, body: body)
        #expect(both == "\(onlyNew) \(onlyOld)")
        #expect(onlyNew != onlyOld)
        // A retiring secret signs until its time (milliseconds), then no more.
        let rotating = try WebhookSigner(secrets: [new], retiring: [(old, 10_500)])
        #expect(rotating.standardSignature(id: "evt", timestamp: 10, body: body, now: 10_499) == both)
        #expect(rotating.standardSignature(id: "evt", timestamp: 10, body: body, now: 10_500) == onlyNew)
        #expect(
            rotating.standardSignature(id: "evt", timestamp: 10, body: body) == both, "by default: the second's start")
        let newOnly = try WebhookSigner(secrets: [new])
        #expect(rotating.simpleSignature(body: body) == newOnly.simpleSignature(body: body))
    }

    @Test func simpleSchemeIsHexHMACOfTheBodyWithTheFirstSecret() throws {
        let key = Array("simple-key".utf8)
        let signer = try WebhookSigner(secrets: ["whsec_" + Data(key).base64EncodedString(), "whsec_b3RoZXI="])
        let body = Array("payload".utf8)
        #expect(signer.simpleSignature(body: body) == "sha256=" + Digest.hex(Digest.hmacSHA256(key: key, data: body)))
    }

    @Test func headersCarryIdTimestampAndBothSignatures() throws {
        let signer = try WebhookSigner(secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        let headers = Dictionary(uniqueKeysWithValues: signer.headers(id: "evt-1", timestamp: 42, body: [1, 2]))
        #expect(headers["webhook-id"] == "evt-1")
        #expect(headers["webhook-timestamp"] == "42")
        #expect(headers["webhook-signature"]?.hasPrefix("v1,") == true)
        #expect(headers["X-Webhook-Signature"]?.hasPrefix("sha256=") == true)
    }

    @Test func refusesSecretsThatAreNotBase64WithoutShowingThem() {
        #expect(throws: WebhookSecretError.self) { try WebhookSigner(secrets: ["whsec_not base64!"]) }
        #expect(throws: WebhookSecretError.self) { try WebhookSigner(secrets: []) }
        #expect(!"\(WebhookSecretError())".contains("not base64!"))
    }
}
