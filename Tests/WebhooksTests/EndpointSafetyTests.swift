import DeadLetters
import Digest
import Foundation
import Kafka
import TestSupport
import Testing

@testable import Webhooks

/// Live SSRF refusals against loopback receivers only: each receiver must see no request at all.
@Suite(.serialized) struct EndpointSafetyTests {
    @Test(arguments: [
        ("localhost", "127.0.0.1"), ("127.0.0.1", "127.0.0.1"), ("127.0.0.2", "127.0.0.2"), ("[::1]", "::1"),
    ])
    func loopbackTargetsAreRefusedWithoutAConnection(urlHost: String, bindHost: String) async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver(host: bindHost)
        try await harness.write(tenant, [("PAY-1", .completed)])
        let dead = try await receiver.serve {
            let url = "http://\(urlHost):\(receiver.port)/webhooks"
            let sink = try harness.sink([
                .init(endpoint: harness.settings(tenant, url: url, allowPrivateNetwork: false))
            ])
            // The sink's group join on the mock cluster can take tens of seconds while the other
            // suites load the machine: the wait allows for it (the expectations are unchanged).
            return try await withSink(sink) { try await harness.deadLetters(tenant, count: 1, timeout: .seconds(60)) }
        }
        #expect(receiver.requests.isEmpty)
        let record = try #require(dead.first)
        #expect(record.header(DeadLetterHeader.reason) == "endpoint_blocked")
        #expect(record.header(DeadLetterHeader.error)?.contains("loopback") == true)
        #expect(record.header(DeadLetterHeader.httpStatus) == nil)
    }

    @Test func redirectsAreNeverFollowed() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let target = WebhookReceiver(host: "127.0.0.2")
        let first = WebhookReceiver { _, _ in .status(302, headers: ["Location": target.url]) }
        try await harness.write(tenant, [("PAY-1", .completed)])
        let dead = try await serving([target, first]) {
            let sink = try harness.sink([.init(endpoint: harness.settings(tenant, url: first.url))])
            return try await withSink(sink) { try await harness.deadLetters(tenant, count: 1) }
        }
        #expect(first.requests.count == 1)
        #expect(target.requests.isEmpty)
        #expect(dead.first?.header(DeadLetterHeader.reason) == "http_status")
        #expect(dead.first?.header(DeadLetterHeader.httpStatus) == "302")
    }

    @Test func bothSecretsSignDuringARotation() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let oldKey = Array("old-secret-0123456789".utf8)
        let newKey = Array("new-secret-9876543210".utf8)
        let secrets = ["whsec_" + Data(newKey).base64EncodedString(), "whsec_" + Data(oldKey).base64EncodedString()]
        let receiver = WebhookReceiver()
        try await harness.write(tenant, [("PAY-1", .completed)])
        try await receiver.serve {
            let sink = try harness.sink([.init(endpoint: harness.settings(tenant, url: receiver.url, secrets: secrets))]
            )
            try await withSink(sink) { try await eventually("delivery") { receiver.requests.count >= 1 } }
        }
        let request = try #require(receiver.requests.first)
        let signatures = try #require(request.headers["webhook-signature"]).split(separator: " ").map(String.init)
        let signed = Array("\(request.eventId!).\(request.headers["webhook-timestamp"]!).".utf8) + request.body
        #expect(
            signatures
                == [newKey, oldKey].map { "v1," + Data(Digest.hmacSHA256(key: $0, data: signed)).base64EncodedString() }
        )
    }

    @Test("a partner's static headers arrive with every request, next to the service's own")
    func staticHeaders() async throws {
        let harness = try SinkHarness()
        let tenant = try harness.tenant(partitions: 1)
        let receiver = WebhookReceiver()
        try await harness.write(tenant, [("PAY-1", .completed)])
        try await receiver.serve {
            var settings = harness.settings(tenant, url: receiver.url)
            settings.headers = [("Authorization", "Bearer partner-gateway-token"), ("X-Api-Key", "k-123")]
            let sink = try harness.sink([.init(endpoint: settings)])
            try await withSink(sink) { try await eventually("delivery") { receiver.requests.count >= 1 } }
        }
        let request = try #require(receiver.requests.first)
        #expect(request.headers["authorization"] == "Bearer partner-gateway-token")
        #expect(request.headers["x-api-key"] == "k-123")
        #expect(request.headers["x-tenant-id"] == tenant && request.headers["webhook-id"] != nil)
        #expect(request.headers["content-type"] == "application/json")
    }
}
