import Config
import ControlPlane
import PropertyBased
import Testing

@Suite("Control plane: the tenant directory")
struct TenantDirectoryTests {
    static let configured = [BridgeConfiguration.Tenant(id: "FILE-1", channel: .web, delivery: .kafka)]

    static func tenant(_ id: String, _ variant: Int) -> BridgeConfiguration.Tenant {
        .init(id: id, channel: [.web, .partner, .mobile][variant % 3], delivery: .kafka)
    }

    @Test("the file's tenants are read-only; API tenants are created, replaced, paused and deleted")
    func decisions() {
        var directory = TenantDirectory(configured: Self.configured)
        #expect(directory.put(Self.tenant("FILE-1", 1), by: "ops", now: 1) == .managedByConfiguration("FILE-1"))
        #expect(directory.delete("FILE-1") == .managedByConfiguration("FILE-1"))
        #expect(directory.delete("API-1") == .notFound("API-1"))

        guard case .write(let created, true) = directory.put(Self.tenant("API-1", 0), by: "ops", now: 10) else {
            Issue.record("a new tenant is created")
            return
        }
        #expect(created.version == 1 && created.updatedBy == "ops" && created.updatedAt == 10)
        #expect(directory.apply(id: "API-1", record: created) == .added("API-1"))
        guard case .write(var paused, false) = directory.update("API-1", by: "bot", now: 20, { $0.paused = true })
        else {
            Issue.record("pausing writes the record again")
            return
        }
        #expect(paused.version == 2 && paused.paused)
        #expect(directory.apply(id: "API-1", record: paused) == .replaced("API-1"))
        guard case .write(let replaced, false) = directory.put(Self.tenant("API-1", 1), by: "ops", now: 30) else {
            Issue.record("an existing tenant is replaced")
            return
        }
        #expect(replaced.version == 3 && replaced.paused, "a settings change keeps the operational state")
        #expect(directory.apply(id: "API-1", record: replaced) == .replaced("API-1"))
        #expect(directory.delete("API-1") == .tombstone("API-1"))
        #expect(directory.apply(id: "API-1", record: nil) == .removed("API-1"))
        guard case .write(let again, true) = directory.put(Self.tenant("API-1", 2), by: "ops", now: 40) else {
            Issue.record("a deleted tenant can be created again")
            return
        }
        #expect(again.version == 4, "above the deleted tenant's versions")
        paused.tenant = Self.tenant("FILE-1", 2)
        #expect(directory.apply(id: "FILE-1", record: paused) == nil, "a record for a configured tenant is ignored")
        #expect(directory.entry("FILE-1")?.source == .configuration)
    }

    /// Two instances change tenants while reading the topic with lags of their own; a third starts
    /// at the end and reads the compacted topic. All three end with the same tenants, and the
    /// file's tenant never changes.
    @Test func instancesConvergeWhateverTheInterleaving() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...9_999).array(of: 5...120)) { script in
            let ids = ["FILE-1", "API-1", "API-2", "API-3"]
            var log: [(id: String, record: TenantRecord?)] = []
            var instances = [
                TenantDirectory(configured: Self.configured), TenantDirectory(configured: Self.configured),
            ]
            var read = [0, 0]
            for (step, value) in script.enumerated() {
                let who = value % 2
                let id = ids[(value / 2) % ids.count]
                switch (value / 8) % 5 {
                case 0, 1:
                    switch instances[who].put(Self.tenant(id, value), by: "i\(who)", now: Int64(step)) {
                    case .write(let record, _): log.append((id, record))
                    case .managedByConfiguration: #expect(id == "FILE-1")
                    default: Issue.record("a put either writes or is refused for the file's tenant")
                    }
                case 2:
                    switch instances[who].delete(id) {
                    case .tombstone: log.append((id, nil))
                    case .managedByConfiguration: #expect(id == "FILE-1")
                    case .notFound: #expect(instances[who].entry(id) == nil)
                    default: Issue.record("a delete writes a tombstone or is refused")
                    }
                case 3:
                    if case .write(let record, _) = instances[who].update(
                        id, by: "i\(who)", now: Int64(step), { $0.paused.toggle() })
                    {
                        log.append((id, record))
                    }
                default:
                    // The instance reads some of what is new in the topic.
                    let upTo = min(log.count, read[who] + value % 7)
                    for index in read[who]..<upTo {
                        _ = instances[who].apply(id: log[index].id, record: log[index].record)
                    }
                    read[who] = upTo
                }
            }
            for who in 0..<2 {
                for index in read[who]..<log.count {
                    _ = instances[who].apply(id: log[index].id, record: log[index].record)
                }
            }
            var late = TenantDirectory(configured: Self.configured)
            var lastOfEach: [String: Int] = [:]
            for (index, entry) in log.enumerated() { lastOfEach[entry.id] = index }
            for index in lastOfEach.values.sorted() { _ = late.apply(id: log[index].id, record: log[index].record) }
            #expect(instances[0].entries == instances[1].entries)
            #expect(instances[0].entries == late.entries)
            let file = instances[0].entry("FILE-1")
            #expect(file?.tenant == Self.configured[0] && file?.source == .configuration && file?.record == nil)
        }
    }
}
