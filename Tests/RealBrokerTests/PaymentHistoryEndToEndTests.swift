import AsyncHTTPClient
import Digest
import Foundation
import Kafka
import PaymentHistory
import TestSupport
import Testing

/// The binary's payment history on Tansu: killed (-9) in the middle of its ingest and started
/// again on the same state directory, it ends with every record once; the partner status API
/// answers from it and schemathesis finds nothing outside its document; `trace` shows a payment.
@Suite("Payment history end to end on a real broker", .serialized, onCurrentLibrdkafkaOnly)
struct PaymentHistoryEndToEndTests {
    static let key = "status-key-do-not-log-0123456789abcdef"
    static let token = "ops-token-do-not-log-0123456789abcdef"
    static let payments = 2000

    func config(_ broker: TansuBroker, adminPort: Int, partnerPort: Int) -> String {
        """
        kafka:
          bootstrapServers: "\(broker.bootstrapServers)"
          properties: {max.poll.interval.ms: "10000"}
        admin: {listen: "127.0.0.1:\(adminPort)", tokens: [{name: ops, token: "\(Self.token)"}]}
        partnerApi: {listen: "127.0.0.1:\(partnerPort)", ratePerSecond: 1000, burst: 1000}
        bridge:
          topics: {replicationFactor: 1, partitions: {partner: 2}}
          transactions: {maxRecords: 500, maxInterval: 50ms}
        tenants:
          - id: KAFKA-T
            channel: partner
            statusApi: {keys: ["sha256:\(Digest.hex(Digest.sha256(Array(Self.key.utf8))))"]}
        """
    }

    @Test("killed mid-ingest and restarted: no record lost or doubled; status API fuzzed; trace")
    func crashResumeStatusAndTrace() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        let (adminPort, partnerPort) = (try freeLoopbackPort(), try freeLoopbackPort())
        let yaml = config(broker, adminPort: adminPort, partnerPort: partnerPort)
        let first = try ServiceProcess(config: yaml, adminPort: adminPort)
        try await first.waitForReady()
        let events = lifecycleEvents(tenant: "KAFKA-T", payments: Self.payments).records
        // The input arrives in two parts; the first is killed as soon as its history has taken
        // anything, so the kill lands part way through (the history can read a whole topic in
        // one go once it finds it), and the rest arrives while it is down.
        let split = events.count * 3 / 5
        try await produceAll(Array(events[..<split]), kafka: broker.kafka)
        var atKill = 0.0
        _ = try await waitUntil("the history part way", timeout: .seconds(120), every: .milliseconds(20)) {
            atKill = (try? await first.metric("payments_bridge_history_records_total")) ?? 0
            return atKill > 0
        }
        first.kill()
        #expect(atKill <= Double(split), "killed at \(atKill) of \(events.count) records")
        try await produceAll(Array(events[split...]), kafka: broker.kafka)

        let second = try ServiceProcess(config: yaml, adminPort: adminPort, workingDirectory: first.workingDirectory)
        defer { second.kill() }
        try await second.waitForReady()
        let partner = "http://127.0.0.1:\(partnerPort)"
        let last = "KAFKA-T-P\(Self.payments - 1)"
        _ = try await waitUntil("every payment completed in the history", timeout: .seconds(120)) {
            guard let store = try? HistoryStore(path: self.storePath(first)), let size = try? await store.size() else {
                return false
            }
            return size.responses == events.count
        }
        let store = try HistoryStore(path: storePath(first))
        let size = try await store.size()
        #expect(size.responses == events.count)
        #expect(size.payments == Self.payments)
        for index in [0, Self.payments / 2, Self.payments - 1] {
            let state = try #require(try await store.status(tenant: "KAFKA-T", paymentId: "KAFKA-T-P\(index)"))
            #expect(
                state.history.map(\.status) == [
                    "INITIATED", "VALIDATED", "DEBITED", "SUBMITTED_TO_CLEARING", "COMPLETED",
                ])
        }

        // The status API, and schemathesis on its document (a known payment and random ones).
        var request = HTTPClientRequest(url: "\(partner)/v1/payments/\(last)")
        request.headers.add(name: "Authorization", value: "Bearer \(Self.key)")
        let answer = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = String(buffer: try await answer.body.collect(upTo: 1 << 20))
        #expect(answer.status.code == 200 && body.contains(#""status":"COMPLETED""#), "\(body)")
        let settings = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(partnerPort).toml").path
        try """
        [[operations]]
        include-path-regex = "^/v1/payments/"
        parameters = { "paymentId" = "\(last)" }
        """.write(toFile: settings, atomically: true, encoding: .utf8)
        for configuration in [nil, settings] {
            let (status, output) = try runProcess(
                repositoryRoot.appendingPathComponent(".venv/bin/schemathesis"),
                (configuration.map { ["--config-file", $0] } ?? []) + [
                    "run", "\(partner)/v1/openapi.yaml", "--url", partner, "-H", "Authorization: Bearer \(Self.key)",
                    "--checks", "all", "--max-examples", "40", "--no-color",
                ])
            #expect(status == 0, "\(output.suffix(3000))")
            #expect(!output.contains(Self.key), "the key is not echoed")
        }

        // The trace, through the admin API, as the command shows it.
        let trace = try runExecutable(
            ["trace", last, "--config", second.configPath, "--output", "json"],
            environment: ["PAYMENTS_BRIDGE_ADMIN_TOKEN": Self.token])
        #expect(trace.status == 0)
        let text = Data(trace.output.utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: text) as? [String: Any])
        let records = try #require(document["records"] as? [[String: Any]])
        #expect(records.count == 5)
        #expect(records.allSatisfy { $0["topic"] as? String == "payments.responses.partner.KAFKA-T" })
        #expect((document["attempts"] as? [Any])?.isEmpty == true)
        #expect((document["deadLetters"] as? [Any])?.isEmpty == true)
        #expect(!second.log.contains(Self.key) && !second.log.contains(Self.token))
        // SIGTERM: the history stops with the rest, and the process ends.
        #expect(second.terminate() == 0)
    }

    func storePath(_ service: ServiceProcess) -> String {
        service.workingDirectory.appendingPathComponent("state/history.sqlite").path
    }
}
