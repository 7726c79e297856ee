import Foundation
import Kafka
import TestSupport
import Testing

/// `payments-bridge resend` on Tansu: the records of a time window delivered again through the
/// running sink with their original webhook-id, in order per payment, once.
@Suite("resend on a real broker", .serialized, onCurrentLibrdkafkaOnly)
struct ResendEndToEndTests {
    static let secret = "whsec_" + Data("resend-partner-secret-0123".utf8).base64EncodedString()

    /// Runs the binary with `arguments` and `--config`; its exit status and output.
    func cli(_ arguments: [String], config: String) throws -> (status: Int32, output: String) {
        try runExecutable(arguments + ["--config", config])
    }

    func events(_ payments: [String]) -> [ProducerRecord] {
        payments.flatMap { paymentId in
            ["PaymentInitiatedEvent", "PaymentValidatedEvent", "PaymentCompletedEvent"].map { type in
                ProducerRecord(
                    topic: "payments.events", key: Array(paymentId.utf8),
                    value: internalEvent(paymentId: paymentId, tenantId: "HOOK", type: type))
            }
        }
    }

    @Test("a window resent once, with the original webhook-ids, in order per payment; a second resend sends nothing")
    func windowResentOnce() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        let receiver = WebhookReceiver()
        try await receiver.serve {
            let adminPort = try freeLoopbackPort()
            let service = try ServiceProcess(
                config: """
                    kafka:
                      bootstrapServers: "\(broker.bootstrapServers)"
                      properties: {max.poll.interval.ms: "10000"}
                    admin: {listen: "127.0.0.1:\(adminPort)"}
                    bridge:
                      topics: {replicationFactor: 1, partitions: {partner: 2}}
                      transactions: {maxRecords: 100, maxInterval: 50ms}
                    tenants:
                    \(webhookTenantYAML("HOOK", url: receiver.url, secret: Self.secret))
                    """, adminPort: adminPort)
            defer { service.kill() }
            try await service.waitForReady()
            let before = ["BEFORE-1", "BEFORE-2"]
            let inside = ["IN-1", "IN-2", "IN-3"]
            let after = ["AFTER-1"]
            try await produceAll(events(before), kafka: broker.kafka)
            _ = try await waitUntil("before delivered", timeout: .seconds(60)) { receiver.requests.count == 6 }
            try await Task.sleep(for: .milliseconds(1500))
            let since = Int64(Date().timeIntervalSince1970 * 1000)
            try await produceAll(events(inside), kafka: broker.kafka)
            _ = try await waitUntil("inside delivered", timeout: .seconds(60)) { receiver.requests.count == 15 }
            try await Task.sleep(for: .milliseconds(1500))
            let until = Int64(Date().timeIntervalSince1970 * 1000)
            try await Task.sleep(for: .milliseconds(500))
            try await produceAll(events(after), kafka: broker.kafka)
            _ = try await waitUntil("after delivered", timeout: .seconds(60)) { receiver.requests.count == 18 }
            let originals = receiver.requests

            let window = ["resend", "--tenant", "HOOK", "--since", "\(since)", "--until", "\(until)"]
            let dry = try cli(window + ["--dry-run"], config: service.configPath)
            #expect(dry.status == 0 && dry.output.contains("selected 9 (dry run: nothing sent)"), "\(dry.output)")
            try await Task.sleep(for: .seconds(1))
            #expect(receiver.requests.count == 18, "a dry run sends nothing")

            let first = try cli(window, config: service.configPath)
            #expect(
                first.status == 0 && first.output.contains("selected 9, resent 9, already resent before 0"),
                "\(first.output)")
            _ = try await waitUntil("the window delivered again", timeout: .seconds(60)) {
                receiver.requests.count == 27
            }
            let again = Array(receiver.requests.dropFirst(18))
            #expect(Set(again.compactMap(\.paymentId)) == Set(inside))
            for paymentId in inside {
                let originalIds = originals.filter { $0.paymentId == paymentId }.compactMap(\.eventId)
                let resentIds = again.filter { $0.paymentId == paymentId }.compactMap(\.eventId)
                #expect(resentIds == originalIds, "\(paymentId): the same webhook-ids, in the same order")
            }
            #expect(again.allSatisfy { $0.isSigned(with: Self.secret) })

            // ISO-8601 times name the same window; everything in it was resent already.
            let iso = { (ms: Int64) in
                ISO8601DateFormatter.string(
                    from: Date(timeIntervalSince1970: Double(ms) / 1000), timeZone: .gmt,
                    formatOptions: [.withInternetDateTime, .withFractionalSeconds])
            }
            let second = try cli(
                ["resend", "--tenant", "HOOK", "--since", iso(since), "--until", iso(until)], config: service.configPath
            )
            #expect(
                second.status == 0 && second.output.contains("selected 9, resent 0, already resent before 9"),
                "\(second.output)")
            try await Task.sleep(for: .seconds(2))
            #expect(receiver.requests.count == 27, "a second resend sends nothing")

            let refused = try cli(
                ["resend", "--tenant", "HOOK", "--since", "\(until)", "--until", "\(since)"], config: service.configPath
            )
            #expect(refused.status != 0)
        }
    }
}
