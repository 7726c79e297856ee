import Foundation
import TestSupport

/// A partner's webhook endpoint written in Python (`Tests/interop/webhook_receiver.py`) on a
/// loopback port: it verifies every request with the `standardwebhooks` library and logs it.
/// While it is in trouble it answers 503 (down) or 400 (refusing); `recover()` ends that.
final class PartnerEndpoint {
    enum Trouble: String {
        case down = "--fail-while"
        case refusing = "--refuse-while"
    }

    let port: Int
    let secret: String
    private let log: URL
    private let trouble: URL
    private let server: InteropServer

    init(secret: String, trouble kind: Trouble) throws {
        self.secret = secret
        port = try freeLoopbackPort()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "partner-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        log = scratch.appendingPathComponent("requests.jsonl")
        trouble = scratch.appendingPathComponent("trouble")
        _ = FileManager.default.createFile(atPath: trouble.path, contents: nil)
        server = try InteropServer(
            script: "webhook_receiver.py",
            arguments: ["--port", "\(port)", "--secret", secret, "--log", log.path, kind.rawValue, trouble.path],
            port: port)
    }

    /// From now on the partner answers 200.
    func recover() throws { try FileManager.default.removeItem(at: trouble) }

    /// Every request so far, one JSON object each (`eventId`, `paymentId`, `verified`, `status`, …).
    var requests: [[String: Any]] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The service configuration's entry for this partner, tenant `PARTNER-ABC` on the partner channel.
    var tenantYAML: String {
        webhookTenantYAML("PARTNER-ABC", url: "http://127.0.0.1:\(port)/hooks", secret: secret)
    }

    /// The service configuration for `broker`: bridge and sink, small transactions, `sink` and
    /// `tenants` as given (this partner first). It carries a SASL password (unused on a plaintext
    /// listener) so that the test script can check it never shows in the output.
    func serviceConfig(broker: TansuBroker, adminPort: Int, sink: String = "", otherTenants: String = "") -> String {
        """
        kafka:
          bootstrapServers: "\(broker.bootstrapServers)"
          properties: {max.poll.interval.ms: "10000", sasl.username: bridge, sasl.password: "kafka-password-do-not-log"}
        admin: {listen: "127.0.0.1:\(adminPort)"}
        bridge:
          topics: {replicationFactor: 1, partitions: {partner: 2}}
          transactions: {maxRecords: 100, maxInterval: 50ms}
        \(sink)
        tenants:
        \(tenantYAML)
        \(otherTenants)
        """
    }
}

/// Whether `text` contains a `whsec_` secret or its key (base64 or raw).
func leaksSecret(_ secret: String, in text: String) -> Bool {
    let encoded = String(secret.dropFirst("whsec_".count))
    let raw = Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? encoded
    return text.contains(encoded) || text.contains(raw)
}

/// The usual scene of the webhook tests on Tansu: a broker with `payments.events` (3 partitions),
/// a Python partner that starts out down, and the service configuration for both (tenant
/// `PARTNER-ABC` by webhook, `TENANT-001` by Kafka).
struct PartnerScene {
    let broker: TansuBroker
    let partner: PartnerEndpoint
    let adminPort: Int
    let config: String

    init(secret: String, retrySchedule: String) throws {
        broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        partner = try PartnerEndpoint(secret: secret, trouble: .down)
        adminPort = try freeLoopbackPort()
        config = partner.serviceConfig(
            broker: broker, adminPort: adminPort,
            sink: "sink: {retry: {schedule: \(retrySchedule), minimumWindow: 1h, jitter: 0}}",
            otherTenants: "  - {id: TENANT-001, channel: partner, delivery: kafka}")
    }

    /// Starts the service binary and waits until it is ready.
    func startService(timeout: Duration = .seconds(60)) async throws -> ServiceProcess {
        let service = try ServiceProcess(config: config, adminPort: adminPort)
        try await service.waitForReady(timeout: timeout)
        return service
    }
}
