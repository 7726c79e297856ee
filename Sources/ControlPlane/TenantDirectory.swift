import Config

/// Every tenant an instance knows, and the rules of the control plane, as a value: no I/O. It
/// takes the configured tenants and the records of the tenants topic in their order, and decides
/// what an admin API change writes; the service only reads and writes Kafka.
///
/// The rules:
/// - **The file wins.** A tenant listed in the configuration file is managed there: the API
///   cannot change or delete it (409), and a record of the topic with its id is ignored.
/// - **The topic's order decides.** Every instance applies the records in the topic's order, the
///   last one of an id winning, so all of them, and one that starts later and reads the compacted
///   topic (only the last record of each id), end with the same tenants. A change writes the
///   next version its writer knows of (`version` counts changes; two instances changing one
///   tenant at once may write the same number, and the later record wins).
/// - **Deletion is a tombstone**; the versions of deleted tenants are remembered, so that a tenant
///   created again continues above them.
public struct TenantDirectory: Sendable {
    public enum Source: String, Sendable, Equatable { case configuration, controlPlane }

    public struct Entry: Sendable, Equatable {
        public var tenant: BridgeConfiguration.Tenant
        public var source: Source
        /// The control plane's record (nil for a configured tenant).
        public var record: TenantRecord?
    }

    /// What applying a record changed.
    public enum Change: Sendable, Equatable {
        case added(String)
        case replaced(String)
        case removed(String)
    }

    /// What an API change must write, or why it must not.
    public enum Decision: Sendable, Equatable {
        /// Write this record (`created`: the tenant did not exist).
        case write(TenantRecord, created: Bool)
        /// Write a tombstone for this id.
        case tombstone(String)
        case notFound(String)
        /// 409: the tenant is managed by the configuration file.
        case managedByConfiguration(String)
    }

    private var configured: [String: BridgeConfiguration.Tenant]
    private var records: [String: TenantRecord] = [:]
    /// The highest version seen of every id, deleted ones included.
    private var versions: [String: Int] = [:]

    public init(configured: [BridgeConfiguration.Tenant]) {
        self.configured = Dictionary(configured.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every tenant, by id.
    public var entries: [Entry] {
        let fromFile = configured.values.map { Entry(tenant: $0, source: .configuration, record: nil) }
        let fromTopic = records.values.map { Entry(tenant: $0.tenant, source: .controlPlane, record: $0) }
        return (fromFile + fromTopic).sorted { $0.tenant.id < $1.tenant.id }
    }

    public func entry(_ id: String) -> Entry? {
        if let tenant = configured[id] { return Entry(tenant: tenant, source: .configuration, record: nil) }
        return records[id].map { Entry(tenant: $0.tenant, source: .controlPlane, record: $0) }
    }

    // MARK: The topic

    /// A record of the tenants topic, in the topic's order (`record` nil: a tombstone).
    public mutating func apply(id: String, record: TenantRecord?) -> Change? {
        guard configured[id] == nil else { return nil }
        guard let record else {
            return records.removeValue(forKey: id) == nil ? nil : .removed(id)
        }
        guard record.tenant.id == id else { return nil }
        versions[id] = max(versions[id] ?? 0, record.version)
        let existed = records.updateValue(record, forKey: id) != nil
        return existed ? .replaced(id) : .added(id)
    }

    // MARK: The admin API

    /// Creating or replacing a tenant.
    public func put(_ tenant: BridgeConfiguration.Tenant, by caller: String, now: Int64) -> Decision {
        if configured[tenant.id] != nil { return .managedByConfiguration(tenant.id) }
        let current = records[tenant.id]
        var record = TenantRecord(
            tenant: tenant, version: (versions[tenant.id] ?? 0) + 1, updatedAt: now, updatedBy: caller)
        // Operational state stays as it is: a settings change neither pauses nor re-enables.
        // A rotation's overlap runs on (the old secrets keep signing until their time).
        record.paused = current?.paused ?? false
        record.disabledReason = current?.disabledReason
        record.enabledAt = current?.enabledAt
        record.retryNowAt = current?.retryNowAt
        record.retiringSecrets = current?.retiringSecrets(at: now) ?? []
        return .write(record, created: current == nil)
    }

    /// Deleting a tenant.
    public func delete(_ id: String) -> Decision {
        if configured[id] != nil { return .managedByConfiguration(id) }
        return records[id] == nil ? .notFound(id) : .tombstone(id)
    }

    /// Changing a tenant's operational state (pause, resume, enable, retry-now) or rotating its
    /// secret, without touching its other settings.
    public func update(_ id: String, by caller: String, now: Int64, _ change: (inout TenantRecord) -> Void) -> Decision
    {
        if configured[id] != nil { return .managedByConfiguration(id) }
        guard var record = records[id] else { return .notFound(id) }
        change(&record)
        record.version = (versions[id] ?? record.version) + 1
        record.updatedAt = now
        record.updatedBy = caller
        return .write(record, created: false)
    }
}
