import Config
import ControlPlane
import Foundation
import Kafka
import TestSupport
import Testing

/// The tenants topic on the embedded cluster, shared by two instances' stores.
@Suite("Control plane: the tenant store on Kafka", .serialized)
struct TenantStoreTests {
    let keys = try! StateKeys(base64Keys: [Data(repeating: 9, count: 32).base64EncodedString()])
    let secret = "whsec_" + Data("store-secret-0123456789".utf8).base64EncodedString()
    let configured = [BridgeConfiguration.Tenant(id: "FILE-1", channel: .web, delivery: .kafka)]

    func webhookTenant(_ id: String, url: String) -> BridgeConfiguration.Tenant {
        .init(id: id, channel: .partner, delivery: .webhook, webhook: .init(url: url, secrets: [Secret(secret)]))
    }

    func store(_ mock: MockKafka, topic: String) throws -> TenantStore {
        var settings = TenantStore.Settings(topic: topic)
        settings.replicationFactor = 1
        return try TenantStore(
            settings: settings, kafka: mock.kafka, keys: keys, configured: configured, logger: quietLogger)
    }

    @Test("a change made on one instance reaches the other; the file's tenants stay read-only")
    func twoInstancesConverge() async throws {
        let mock = try MockKafka()
        let topic = uniqueTopic("tenants")
        let (a, b) = (try store(mock, topic: topic), try store(mock, topic: topic))
        let runs = [Task { try await a.run() }, Task { try await b.run() }]
        defer { for run in runs { run.cancel() } }
        try await waitUntil("both stores loaded", timeout: .seconds(30)) { a.isLoaded && b.isLoaded }

        let created = try await a.put(webhookTenant("API-1", url: "https://one.example/h"), by: "ops")
        guard case .write(_, created: true) = created else { throw TestFailure("created: \(created)") }
        #expect(a.entry("API-1")?.tenant.webhook?.url == "https://one.example/h", "read your writes")
        // Correctness here (the unit suites share the machine); how fast, in the figure line.
        let seen = try await waitUntil("B sees the new tenant", timeout: .seconds(10)) { b.entry("API-1") != nil }
        print("[control-plane] a tenant created on one instance was seen by the other after \(seen)")
        #expect(b.entry("API-1")?.tenant.webhook?.secrets.map(\.value) == [secret])
        #expect(b.entry("API-1")?.record?.updatedBy == "ops" && b.entry("API-1")?.source == .controlPlane)

        _ = try await b.put(webhookTenant("API-1", url: "https://two.example/h"), by: "bot")
        try await waitUntil("A sees the new URL", timeout: .seconds(10)) {
            a.entry("API-1")?.tenant.webhook?.url == "https://two.example/h"
        }
        #expect(a.entry("API-1")?.record?.version == 2)

        #expect(
            try await a.put(webhookTenant("FILE-1", url: "https://x.example/h"), by: "ops")
                == .managedByConfiguration("FILE-1"))
        #expect(try await a.delete("FILE-1", by: "ops") == .managedByConfiguration("FILE-1"))
        #expect(try await b.delete("API-1", by: "bot") == .tombstone("API-1"))
        try await waitUntil("A sees the deletion", timeout: .seconds(10)) { a.entry("API-1") == nil }
        #expect(a.entries.map(\.tenant.id) == ["FILE-1"])
    }

    @Test("the topic holds no secret in clear; a store started later loads it all before it is ready")
    func sealedAndLoaded() async throws {
        let mock = try MockKafka()
        let topic = uniqueTopic("tenants")
        let first = try store(mock, topic: topic)
        let run = Task { try await first.run() }
        try await waitUntil("loaded", timeout: .seconds(30)) { first.isLoaded }
        for index in 1...5 {
            _ = try await first.put(webhookTenant("API-\(index)", url: "https://\(index).example/h"), by: "ops")
        }
        _ = try await first.delete("API-3", by: "ops")
        _ = try await first.update("API-2", by: "ops", action: .pause) { $0.paused = true }
        run.cancel()
        _ = await run.result

        let raw = try await TopicSnapshot.records(topic, kafka: mock.kafka, logger: quietLogger)
        #expect(raw.count == 7)
        #expect(!raw.contains { String(decoding: $0.value ?? [], as: UTF8.self).contains("whsec_") })

        // Every change is in the audit topic: who, what, before and after, no secret.
        let audit = try await TopicSnapshot.records(first.settings.auditTopic, kafka: mock.kafka, logger: quietLogger)
        let entries = audit.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.value ?? [])) as? [String: Any]
        }
        #expect(
            entries.map { $0["action"] as? String } == [
                "create", "create", "create", "create", "create", "delete", "pause",
            ])
        #expect(entries.allSatisfy { $0["by"] as? String == "ops" && $0["at"] is String })
        #expect(
            entries.map { $0["tenant"] as? String } == ["API-1", "API-2", "API-3", "API-4", "API-5", "API-3", "API-2"])
        #expect(entries[5]["after"] is NSNull && entries[5]["before"] is [String: Any])
        let pausedAfter = try #require(entries[6]["after"] as? [String: Any])
        #expect(pausedAfter["paused"] as? Bool == true)
        #expect(((pausedAfter["tenant"] as? [String: Any])?["webhook"] as? [String: Any])?["secretCount"] as? Int == 1)
        #expect(!audit.contains { String(decoding: $0.value ?? [], as: UTF8.self).contains("whsec_") })
        #expect(!audit.contains { String(decoding: $0.value ?? [], as: UTF8.self).contains("aesgcm1") })

        // A garbage record (not a tenant record) is skipped and counted.
        let producer = try mock.producer()
        _ = try await producer.send(
            ProducerRecord(topic: topic, partition: 0, key: Array("API-9".utf8), value: Array("{oops".utf8)))
        await producer.close()

        let later = try store(mock, topic: topic)
        let laterRun = Task { try await later.run() }
        defer { laterRun.cancel() }
        try await waitUntil("loaded", timeout: .seconds(30)) { later.isLoaded }
        #expect(
            later.entries.map(\.tenant.id) == ["API-1", "API-2", "API-4", "API-5", "FILE-1"], "loaded before ready")
        #expect(later.entry("API-2")?.record?.paused == true)
        #expect(later.unreadableRecords == 1)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
