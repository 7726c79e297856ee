import Kafka
import Logging
import Payments
import Synchronization

/// Creates response topics (and their DLTs) on first use, with the configured partitions per
/// channel, replication factor (clamped to the brokers) and retention.
final class TopicProvisioner: Sendable {
    struct Settings: Sendable {
        var partitions: [PaymentChannel: Int]
        var replicationFactor: Int
        var retention: Duration
        var deadLetterRetention: Duration
        var maxRecordBytes: Int
    }

    private let admin: KafkaAdmin
    private let settings: Settings
    private let logger: Logger
    private let known = Mutex<Set<String>>([])

    init(admin: KafkaAdmin, settings: Settings, logger: Logger) {
        self.admin = admin
        self.settings = settings
        self.logger = logger
    }

    /// Ensures `topic` and its DLT exist. When the broker cannot create topics (no admin API),
    /// logs once and relies on the broker's auto-creation.
    func ensure(responseTopic topic: String, channel: PaymentChannel) async {
        await ensure(topic, partitions: settings.partitions[channel] ?? 1)
    }

    func ensure(deadLetterTopic topic: String, partitions: Int) async {
        await ensure(topic, partitions: partitions, isDeadLetter: true)
    }

    private func ensure(_ topic: String, partitions: Int, isDeadLetter: Bool = false) async {
        if known.withLock({ $0.contains(topic) }) { return }
        var specs = [TopicSpecification(name: topic, partitions: partitions, replicationFactor: settings.replicationFactor,
                                        retention: isDeadLetter ? settings.deadLetterRetention : settings.retention,
                                        maxRecordBytes: settings.maxRecordBytes)]
        if !isDeadLetter {
            specs.append(TopicSpecification(name: PaymentTopics.deadLetter(of: topic), partitions: partitions,
                                            replicationFactor: settings.replicationFactor,
                                            retention: settings.deadLetterRetention,
                                            maxRecordBytes: settings.maxRecordBytes))
        }
        do {
            let created = try await admin.createTopics(specs)
            if !created.isEmpty { logger.info("created topics", metadata: ["topics": "\(created.joined(separator: ", "))"]) }
        } catch {
            logger.warning("could not create topics; relying on the broker's auto-creation",
                           metadata: ["topics": "\(specs.map(\.name).joined(separator: ", "))", "error": "\(error)"])
        }
        known.withLock { $0.formUnion(specs.map(\.name)) }
    }
}

