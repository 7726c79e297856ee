import Foundation
import Kafka
import TestSupport
import Testing

@Suite("Webhooks end to end on a real broker", .serialized,
       .enabled(if: onCurrentLibrdkafka, "needs librdkafka >= 2.2 (run through `make test`, which provides it)"))
struct WebhookEndToEndTests {
    static let secret = "whsec_" + Data("end-to-end-partner-secret".utf8).base64EncodedString()

    @Test("internal events reach a partner as webhooks verified by the standardwebhooks library; after kill -9 with retries pending, a restart delivers everything in order")
    func webhooksSurviveAKill() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        let receiverPort = try freeLoopbackPort()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("webhooks-e2e-\(receiverPort)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let requestLog = scratch.appendingPathComponent("requests.jsonl")
        let partnerDown = scratch.appendingPathComponent("partner-down")
        FileManager.default.createFile(atPath: partnerDown.path, contents: nil)
        let receiver = try startReceiver(port: receiverPort, log: requestLog, failWhile: partnerDown)
        // SIGKILL: children of the test process inherit its blocked SIGTERM.
        defer { kill(receiver.processIdentifier, SIGKILL); receiver.waitUntilExit() }

        let adminPort = try freeLoopbackPort()
        let config = """
        kafka:
          bootstrapServers: "\(broker.bootstrapServers)"
          properties: {max.poll.interval.ms: "10000"}
        admin: {listen: "127.0.0.1:\(adminPort)"}
        bridge:
          topics: {replicationFactor: 1, partitions: {partner: 2}}
          transactions: {maxRecords: 100, maxInterval: 50ms}
        sink:
          retry: {schedule: [1s, 2s], minimumWindow: 1h, jitter: 0}
        tenants:
          - {id: TENANT-001, channel: partner, delivery: kafka}
          - id: PARTNER-ABC
            channel: partner
            delivery: webhook
            webhook:
              url: "http://127.0.0.1:\(receiverPort)/hooks"
              secrets: ["\(Self.secret)"]
              allowPrivateNetwork: true
              allowInsecureHttp: true
        """
        var service = try ServiceProcess(config: config, adminPort: adminPort)
        try await service.waitForReady()

        var expected: [String: [String]] = [:]
        var events: [ProducerRecord] = []
        for p in 0..<3 {
            let paymentId = "ABC-P\(p)"
            for type in paymentLifecycle {
                let id = UUID().uuidString.lowercased()
                expected[paymentId, default: []].append(id)
                events.append(ProducerRecord(topic: "payments.events", key: Array(paymentId.utf8),
                                             value: internalEvent(paymentId: paymentId, tenantId: "PARTNER-ABC", type: type, eventId: id)))
            }
        }
        events.append(ProducerRecord(topic: "payments.events", key: Array("KAFKA-ONLY".utf8),
                                     value: internalEvent(paymentId: "KAFKA-ONLY", tenantId: "TENANT-001")))
        try await produceAll(events, kafka: broker.kafka)

        // The partner is down: every payment's first record fails and is parked in the retry log.
        try await waitFor("a failed attempt for every payment") {
            Set(try requests(requestLog).filter { $0["status"] as? Int == 503 }.compactMap { $0["paymentId"] as? String }).count == 3
        }
        try await Task.sleep(for: .seconds(1))
        service.kill()
        let failedBeforeKill = try requests(requestLog).count

        // The partner recovers; a new process picks the pending retries up from Kafka.
        try FileManager.default.removeItem(at: partnerDown)
        service = try ServiceProcess(config: config, adminPort: adminPort)
        try await service.waitForReady(timeout: .seconds(90))
        try await waitFor("every event delivered", timeout: .seconds(90)) {
            Set(try requests(requestLog).filter { $0["status"] as? Int == 200 }.compactMap { $0["eventId"] as? String }).count == 15
        }
        let metrics = try await service.metrics()
        #expect(service.terminate() == 0)
        #expect(!leaksSecret(Self.secret, in: service.log + metrics), "the webhook secret appears in the logs or metrics")

        let all = try requests(requestLog)
        #expect(failedBeforeKill >= 3)
        #expect(all.allSatisfy { $0["verified"] as? Bool == true }, "standardwebhooks verified every request")
        #expect(all.allSatisfy { $0["simpleVerified"] as? Bool == true }, "X-Webhook-Signature matched every body")
        #expect(all.allSatisfy { $0["tenant"] as? String == "PARTNER-ABC" && $0["eventId"] as? String == $0["bodyEventId"] as? String })
        let delivered = all.filter { $0["status"] as? Int == 200 }
        for (paymentId, ids) in expected {
            var firstDeliveries: [String] = []
            for entry in delivered where entry["paymentId"] as? String == paymentId {
                let id = entry["eventId"] as! String
                if !firstDeliveries.contains(id) { firstDeliveries.append(id) }
            }
            #expect(firstDeliveries == ids, "order of \(paymentId)")
        }
        #expect(!all.contains { $0["paymentId"] as? String == "KAFKA-ONLY" }, "Kafka-delivery tenants get no webhooks")
    }

    private func startReceiver(port: Int, log: URL, failWhile: URL) throws -> Process {
        try startWebhookReceiver(port: port, secret: Self.secret, log: log, options: ["--fail-while", failWhile.path])
    }
}

/// The Python partner endpoint (`Tests/interop/webhook_receiver.py`) on a loopback port.
func startWebhookReceiver(port: Int, secret: String, log: URL, options: [String]) throws -> Process {
    let process = Process()
    process.executableURL = venv.appendingPathComponent("bin/python")
    process.arguments = [repositoryRoot.appendingPathComponent("Tests/interop/webhook_receiver.py").path,
                         "--port", "\(port)", "--secret", secret, "--log", log.path] + options
    // Not the test's own output: an orphaned receiver would keep `swift test` waiting for it.
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + .seconds(20)
    while !canConnect(port: port) {
        guard ContinuousClock.now < deadline else { throw TansuError("the webhook receiver did not start") }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return process
}

/// Whether `text` contains a `whsec_` secret or its key (base64 or raw).
func leaksSecret(_ secret: String, in text: String) -> Bool {
    let encoded = String(secret.dropFirst("whsec_".count))
    let raw = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? encoded
    return text.contains(encoded) || text.contains(raw)
}

/// The receiver's log: one JSON object per request.
func requests(_ log: URL) throws -> [[String: Any]] {
    guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

func waitFor(_ what: String, timeout: Duration = .seconds(60), _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TansuError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(100))
    }
}
