import Config
import Foundation
import Kafka
import Logging
import Synchronization
import Timing

/// The control plane's tenants on one instance: the compacted tenants topic (one partition, keyed
/// by tenant id, tombstones for deletions) read from its start and followed, applied to a
/// `TenantDirectory`, and the admin API's changes written to it. Every instance converges on the
/// topic's order; a change is applied here as soon as Kafka acknowledged it (read your writes).
/// A record that cannot be read (not a tenant record, a secret that does not open, a tenant the
/// loader refuses) is logged, counted and skipped: the tenant keeps its previous state.
public final class TenantStore: Sendable {
    public struct Settings: Sendable {
        public var topic: String
        /// Every change is appended here (kept a year).
        public var auditTopic: String
        public var replicationFactor = 3

        public init(topic: String, auditTopic: String = "payments-bridge.audit") {
            self.topic = topic
            self.auditTopic = auditTopic
        }
    }

    private struct State {
        var directory: TenantDirectory
        var loaded = false
        var unreadable = 0
        var observers: [@Sendable (TenantDirectory.Change) -> Void] = []
    }

    public let settings: Settings
    private let kafka: KafkaConfiguration
    private let keys: StateKeys
    private let logger: Logger
    private let producer: KafkaProducer
    private let state: Mutex<State>

    public init(
        settings: Settings, kafka: KafkaConfiguration, keys: StateKeys,
        configured: [BridgeConfiguration.Tenant], logger: Logger
    ) throws(KafkaError) {
        self.settings = settings
        self.kafka = kafka
        self.keys = keys
        self.logger = logger
        producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
        state = Mutex(State(directory: TenantDirectory(configured: configured)))
    }

    /// Whether the topic was read to the end it had at start-up (the instance is not ready before).
    public var isLoaded: Bool { state.withLock { $0.loaded } }
    /// Records that could not be read, since start.
    public var unreadableRecords: Int { state.withLock { $0.unreadable } }
    public var entries: [TenantDirectory.Entry] { state.withLock { $0.directory.entries } }
    public func entry(_ id: String) -> TenantDirectory.Entry? { state.withLock { $0.directory.entry(id) } }

    /// Called with every change the topic brings (from this instance's writes too).
    public func onChange(_ observer: @escaping @Sendable (TenantDirectory.Change) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    /// The topic's specification: compacted, one partition (one order for every tenant).
    public var topicSpecification: TopicSpecification {
        TopicSpecification(
            name: settings.topic, partitions: 1, replicationFactor: settings.replicationFactor,
            config: ["cleanup.policy": "compact"])
    }

    /// The audit topic's specification: one partition, a year's retention.
    public var auditTopicSpecification: TopicSpecification {
        TopicSpecification(
            name: settings.auditTopic, partitions: 1, replicationFactor: settings.replicationFactor,
            retention: .seconds(365 * 86_400))
    }

    /// Reads the topic from its start, then follows it until cancelled.
    public func run() async throws {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        await TopicProvisioner(admin: admin, logger: logger).ensure([topicSpecification, auditTopicSpecification])
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: "payments-bridge-tenants-\(UUID().uuidString)")
        configuration.isolationLevel = .readCommitted
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let partition = TopicPartition(topic: settings.topic, partition: 0)
        try consumer.assign([TopicPartitionOffset(topic: settings.topic, partition: 0, offset: KafkaOffset.beginning)])
        var end: Int64?
        var backoff = Backoff(first: .milliseconds(200), max: .seconds(5))
        while end == nil, !Task.isCancelled {
            do { end = try await consumer.watermarks(partition).high } catch {
                logger.warning("cannot read the tenants topic's end yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff.next())
            }
        }
        var next: Int64 = 0
        if let end, end == 0 { markLoaded() }
        while !Task.isCancelled {
            for record in await consumer.poll(timeout: .milliseconds(100)) {
                apply(record)
                next = record.offset + 1
            }
            if let end, !isLoaded, next >= end { markLoaded() }
        }
        await consumer.close()
        await producer.close()
    }

    private func markLoaded() {
        state.withLock { $0.loaded = true }
        logger.info("tenants topic read", metadata: ["topic": "\(settings.topic)", "tenants": "\(entries.count)"])
    }

    private func apply(_ record: ConsumerRecord) {
        guard let key = record.key, let id = String(validating: key, as: UTF8.self) else {
            unreadable(record, "a record without a tenant id as key")
            return
        }
        var tenantRecord: TenantRecord?
        if let value = record.value {
            do { tenantRecord = try TenantRecord.decoded(value, id: id, keys: keys) } catch {
                unreadable(record, "\(error)")
                return
            }
        }
        applied(state.withLock { $0.directory.apply(id: id, record: tenantRecord) })
    }

    private func applied(_ change: TenantDirectory.Change?) {
        guard let change else { return }
        for observer in state.withLock({ $0.observers }) { observer(change) }
    }

    private func unreadable(_ record: ConsumerRecord, _ reason: String) {
        state.withLock { $0.unreadable += 1 }
        logger.error(
            "a record of the tenants topic cannot be read; the tenant keeps its previous state",
            metadata: ["topic": "\(record.topic)", "offset": "\(record.offset)", "reason": "\(reason)"])
    }

    // MARK: Changes

    /// Creates or replaces a tenant (`caller`: the admin token's name).
    public func put(_ tenant: BridgeConfiguration.Tenant, by caller: String) async throws -> TenantDirectory.Decision {
        let (decision, before) = state.withLock {
            (
                $0.directory.put(tenant, by: caller, now: Date().millisecondsSince1970),
                $0.directory.entry(tenant.id)?.record
            )
        }
        try await carryOut(decision, before: before, by: caller, action: before == nil ? .create : .replace)
        return decision
    }

    /// Deletes a tenant.
    public func delete(_ id: String, by caller: String) async throws -> TenantDirectory.Decision {
        let (decision, before) = state.withLock { ($0.directory.delete(id), $0.directory.entry(id)?.record) }
        try await carryOut(decision, before: before, by: caller, action: .delete)
        return decision
    }

    /// Changes a tenant's operational state (pause, resume, enable, retry-now, disable) or rotates
    /// its secret.
    public func update(
        _ id: String, by caller: String, action: AuditEntry.Action, _ change: @Sendable (inout TenantRecord) -> Void
    ) async throws -> TenantDirectory.Decision {
        let (decision, before) = state.withLock {
            (
                $0.directory.update(id, by: caller, now: Date().millisecondsSince1970, change),
                $0.directory.entry(id)?.record
            )
        }
        try await carryOut(decision, before: before, by: caller, action: action)
        return decision
    }

    private func carryOut(
        _ decision: TenantDirectory.Decision, before: TenantRecord?, by caller: String,
        action: AuditEntry.Action
    ) async throws {
        let id: String
        let after: TenantRecord?
        switch decision {
        case .write(let record, _):
            (id, after) = (record.tenant.id, record)
            let value = try record.encoded(keys: keys)
            _ = try await producer.send(
                ProducerRecord(topic: settings.topic, partition: 0, key: Array(id.utf8), value: value))
        case .tombstone(let deleted):
            (id, after) = (deleted, nil)
            _ = try await producer.send(
                ProducerRecord(topic: settings.topic, partition: 0, key: Array(id.utf8), value: nil))
        case .notFound, .managedByConfiguration:
            return
        }
        applied(state.withLock { $0.directory.apply(id: id, record: after) })
        let entry = AuditEntry(
            at: Date().millisecondsSince1970, by: caller, action: action, tenant: id, before: before,
            after: after)
        do {
            _ = try await producer.send(
                ProducerRecord(topic: settings.auditTopic, key: Array(id.utf8), value: entry.json))
        } catch {
            // The change is made; its audit entry is not: say so loudly (the log keeps who and what).
            logger.error(
                "the audit topic did not take a change's entry",
                metadata: ["tenant": "\(id)", "by": "\(caller)", "action": "\(action.rawValue)", "error": "\(error)"])
        }
    }
}
