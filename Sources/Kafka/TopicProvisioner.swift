import Logging
import Synchronization

/// Creates the topics a service writes to or reads from when they are missing: the bridge's
/// response topics and DLTs (on first use), the webhook sink's topics and retry log (at start).
/// Each topic is asked for once. When the broker cannot create topics (no admin API, no
/// permission), it logs a warning and relies on the broker's auto-creation.
public final class TopicProvisioner: Sendable {
    private let admin: KafkaAdmin
    private let logger: Logger
    /// Topics already asked for (created, found, or left to auto-creation).
    private let known = Mutex<Set<String>>([])

    public init(admin: KafkaAdmin, logger: Logger) {
        self.admin = admin
        self.logger = logger
    }

    /// Ensures the topics of `specs` exist (those asked for before are skipped), with their
    /// partitions, replication factor (clamped to the brokers by `KafkaAdmin`) and configuration.
    public func ensure(_ specs: [TopicSpecification]) async {
        let specs = known.withLock { known in specs.filter { !known.contains($0.name) } }
        guard !specs.isEmpty else { return }
        do {
            let created = try await admin.createTopics(specs)
            if !created.isEmpty {
                logger.info("created topics", metadata: ["topics": "\(created.joined(separator: ", "))"])
            }
        } catch {
            logger.warning(
                "could not create topics; relying on the broker's auto-creation",
                metadata: ["topics": "\(specs.map(\.name).joined(separator: ", "))", "error": "\(error)"])
        }
        known.withLock { $0.formUnion(specs.map(\.name)) }
    }
}
