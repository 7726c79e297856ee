import App
import Config
import ControlPlane
import Digest
import Foundation
import Kafka
import KafkaEmbedded
import Synchronization
import TestSupport
import Testing

/// The webhook sink following the control plane on the embedded cluster: tenants created,
/// changed, paused, re-enabled, retried and rotated while their events flow, without a restart.
@Suite("Control plane: the webhook sink follows it", .serialized)
struct WebhookControlPlaneTests {
    static let stateKey = Data(repeating: 5, count: 32).base64EncodedString()
    static let secret = "whsec_" + Data("control-plane-secret-one".utf8).base64EncodedString()
    static let rotated = "whsec_" + Data("control-plane-secret-two".utf8).base64EncodedString()

    /// A running service with the control plane on and no webhook tenant in its file.
    struct Service {
        let app: BridgeApplication
        let run: Task<Void, any Error>
        var store: TenantStore { app.tenantStore! }

        init(cluster: EmbeddedKafkaCluster, retrySchedule: String = "[1s]") async throws {
            let configuration = try BridgeConfiguration.parse(
                yaml: """
                    kafka: {bootstrapServers: "\(cluster.bootstrapServers)", properties: {log_level: "2"}}
                    admin: {listen: "127.0.0.1:0", tokens: [{name: ops, token: "ops-token-0123456789abcdef0123456789"}]}
                    \(temporaryStateYAML())
                    bridge: {topics: {replicationFactor: 1}}
                    sink: {retry: {schedule: \(retrySchedule), jitter: 0}}
                    controlPlane: {enabled: true, stateKeys: ["\(WebhookControlPlaneTests.stateKey)"]}
                    tenants: [{id: FILE-1, channel: web}]
                    """)
            let app = try BridgeApplication(
                configuration: configuration,
                schemaDirectory: repositoryRoot.appendingPathComponent("schemas").path,
                kafka: KafkaConnection(cluster: cluster, settings: configuration.kafka), logger: quietLogger)
            self.app = app
            run = Task { try await app.run() }
            try await waitUntil("ready", timeout: .seconds(60)) { await app.readiness().isReady }
        }

        func put(_ id: String, url: String, secrets: [String] = [WebhookControlPlaneTests.secret]) async throws {
            let json = """
                {"id":"\(id)","channel":"partner","delivery":"webhook","webhook":{"url":"\(url)",\
                "secrets":[\(secrets.map { "\"\($0)\"" }.joined(separator: ","))],\
                "allowInsecureHttp":true,"allowPrivateNetwork":true}}
                """
            _ = try await store.put(try BridgeConfiguration.tenant(json: json), by: "ops")
        }

        func update(
            _ id: String, _ action: AuditEntry.Action, _ change: @escaping @Sendable (inout TenantRecord) -> Void
        )
            async throws
        {
            _ = try await store.update(id, by: "ops", action: action, change)
        }
    }

    func events(_ tenant: String, payments: Range<Int>, types: [String] = paymentLifecycle) -> (
        expected: [String: [String]], records: [ProducerRecord]
    ) {
        var expected: [String: [String]] = [:]
        var records: [ProducerRecord] = []
        for type in types {
            for p in payments {
                let paymentId = "\(tenant)-P\(p)"
                let id = UUID().uuidString.lowercased()
                expected[paymentId, default: []].append(id)
                records.append(
                    ProducerRecord(
                        topic: "payments.events", key: Array(paymentId.utf8),
                        value: internalEvent(paymentId: paymentId, tenantId: tenant, type: type, eventId: id)))
            }
        }
        return (expected, records)
    }

    /// The event ids each payment's requests carried, in arrival order.
    func delivered(_ requests: [WebhookReceiver.Request]) -> [String: [String]] {
        var byPayment: [String: [String]] = [:]
        for request in requests {
            guard let payment = request.paymentId, let id = request.eventId else { continue }
            byPayment[payment, default: []].append(id)
        }
        return byPayment
    }

    @Test(
        "a webhook tenant created while events flow gets all of them in order; a URL change mid-stream moves delivery, nothing lost"
    )
    func createdAndMoved() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let first = WebhookReceiver()
        let second = WebhookReceiver()
        try await serving([first, second]) {
            let service = try await Service(cluster: cluster)
            defer { service.run.cancel() }
            let kafka = service.app.kafka.configuration
            try await service.put("API-W", url: first.url + "/hooks")
            let created = ContinuousClock.now
            let batch1 = events("API-W", payments: 0..<10, types: Array(paymentLifecycle.prefix(2)))
            try await produceAll(batch1.records, kafka: kafka)
            try await waitUntil("the first batch at the first URL", timeout: .seconds(30)) {
                first.requests.count >= batch1.records.count
            }
            let firstDelivery = (first.requests.map(\.arrival).min() ?? .now) - created
            // The URL changes while the rest of the lifecycles flow.
            let batch2 = events("API-W", payments: 0..<10, types: Array(paymentLifecycle.dropFirst(2)))
            let feeding = Task { try await produceAll(batch2.records, kafka: kafka) }
            try await service.put("API-W", url: second.url + "/moved")
            let moved = ContinuousClock.now
            try await feeding.value
            try await waitUntil("every record delivered", timeout: .seconds(30)) {
                Set((first.requests + second.requests).compactMap(\.eventId)).count == 50
            }
            let all = (first.requests + second.requests).sorted { $0.arrival < $1.arrival }
            var expected = batch1.expected
            for (payment, ids) in batch2.expected { expected[payment, default: []] += ids }
            #expect(delivered(all) == expected, "every event once, in each payment's order, across the change")
            #expect(
                !second.requests.isEmpty && second.requests.allSatisfy { $0.path.hasSuffix("/moved") },
                "\(Set(second.requests.map(\.path)))")
            let switched = second.requests.map(\.arrival).min()! - moved
            print("control plane: the new URL got its first request \(switched) after the change")
            let lastAtFirst = first.requests.map(\.arrival).max()!
            #expect(lastAtFirst < moved + .seconds(2), "the old URL gets nothing 2 s after the change")
            print(
                "control plane: first delivery \(firstDelivery) after the tenant was created (the group's first join)")
            // A second tenant joins a group already running: the sink's consumer rejoins with it.
            try await service.put("API-X", url: second.url + "/x")
            let added = ContinuousClock.now
            try await produceAll(
                events("API-X", payments: 0..<1, types: ["PaymentInitiatedEvent"]).records, kafka: kafka)
            try await waitUntil("the second tenant's record delivered", timeout: .seconds(30)) {
                second.requests.contains { $0.path.hasSuffix("/x") }
            }
            let joined = second.requests.first { $0.path.hasSuffix("/x") }!.arrival - added
            print("control plane: a tenant added to a running sink got its first request \(joined) after the change")
            #expect(service.app.sink?.totals.deadLettered == 0)
        }
    }

    @Test("pause holds every record without dead-lettering it; resume delivers them in order")
    func pauseAndResume() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let receiver = WebhookReceiver()
        try await serving([receiver]) {
            let service = try await Service(cluster: cluster)
            defer { service.run.cancel() }
            let kafka = service.app.kafka.configuration
            try await service.put("API-P", url: receiver.url + "/hooks")
            let warmup = events("API-P", payments: 0..<1, types: ["PaymentInitiatedEvent"])
            try await produceAll(warmup.records, kafka: kafka)
            try await waitUntil("the warm-up delivered", timeout: .seconds(30)) { receiver.requests.count == 1 }
            try await service.update("API-P", .pause) { $0.paused = true }
            try await waitUntil("the sink sees the pause", timeout: .seconds(5)) {
                service.app.sink?.tenantControls["API-P"]?.paused == true
            }
            let held = events("API-P", payments: 1..<6)
            try await produceAll(held.records, kafka: kafka)
            try await Task.sleep(for: .seconds(3))
            #expect(receiver.requests.count == 1, "nothing is sent while paused")
            #expect(service.app.sink?.totals.deadLettered == 0)
            try await service.update("API-P", .resume) { $0.paused = false }
            try await waitUntil("the held records delivered", timeout: .seconds(30)) {
                receiver.requests.count == 1 + held.records.count
            }
            #expect(delivered(Array(receiver.requests.dropFirst())) == held.expected, "in each payment's order")
            #expect(service.app.sink?.totals.deadLettered == 0)
        }
    }

    @Test("retry-now sends a waiting retry at once; a 410 disables the tenant on the record until enable")
    func retryNowAndEnable() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let receiver = WebhookReceiver { request, earlier in
            if request.paymentId == "API-R-P0", earlier.filter({ $0.paymentId == "API-R-P0" }).count == 1 {
                return .status(503)
            }
            if request.paymentId == "API-R-P1" { return .status(410) }
            return .ok
        }
        try await serving([receiver]) {
            let service = try await Service(cluster: cluster, retrySchedule: "[1h]")
            defer { service.run.cancel() }
            let kafka = service.app.kafka.configuration
            try await service.put("API-R", url: receiver.url + "/hooks")
            try await produceAll(
                events("API-R", payments: 0..<1, types: ["PaymentInitiatedEvent"]).records, kafka: kafka)
            try await waitUntil("the first attempt failed and a retry waits", timeout: .seconds(30)) {
                service.app.sink?.totals.retriesScheduled == 1
            }
            try await Task.sleep(for: .seconds(1))
            #expect(receiver.requests.count == 1, "the retry waits an hour")
            // Due in an hour; sent within seconds of retry-now.
            try await service.update("API-R", .retryNow) { $0.retryNowAt = Date().millisecondsSince1970 }
            try await waitUntil("the retry sent at once", timeout: .seconds(10)) {
                receiver.requests.count == 2 && service.app.sink?.totals.delivered == 1
            }

            // 410: the tenant is disabled in the tenants topic, later records are dead-lettered.
            try await produceAll(
                events("API-R", payments: 1..<2, types: ["PaymentInitiatedEvent"]).records, kafka: kafka)
            try await waitUntil("the record says why delivery is off", timeout: .seconds(30)) {
                service.store.entry("API-R")?.record?.disabledReason != nil
            }
            try await produceAll(
                events("API-R", payments: 2..<3, types: ["PaymentInitiatedEvent"]).records, kafka: kafka)
            try await waitUntil("dead-lettered while disabled", timeout: .seconds(30)) {
                service.app.sink?.totals.deadLettered == 2
            }
            #expect(!receiver.requests.contains { $0.paymentId == "API-R-P2" }, "not sent while disabled")
            try await service.update("API-R", .enable) {
                $0.disabledReason = nil
                $0.enabledAt = Date().millisecondsSince1970
            }
            try await waitUntil("the sink sees the enable", timeout: .seconds(5)) {
                service.app.sink?.tenantControls["API-R"]?.disabledReason == nil
            }
            try await produceAll(
                events("API-R", payments: 3..<4, types: ["PaymentInitiatedEvent"]).records, kafka: kafka)
            // The request arrives before the sink has counted its answer.
            try await waitUntil("delivered again after enable", timeout: .seconds(30)) {
                receiver.requests.contains { $0.paymentId == "API-R-P3" } && service.app.sink?.totals.delivered == 2
            }
            #expect(service.app.sink?.totals.deadLettered == 2, "only the 410 and the one sent while disabled")
        }
    }

    @Test("rotation with overlap: both secrets sign during the overlap, only the new one after it")
    func rotationWithOverlap() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let receiver = WebhookReceiver()
        try await serving([receiver]) {
            let service = try await Service(cluster: cluster)
            defer { service.run.cancel() }
            let kafka = service.app.kafka.configuration
            try await service.put("API-S", url: receiver.url + "/hooks")
            func deliver(_ payment: Int) async throws -> WebhookReceiver.Request {
                try await produceAll(
                    events("API-S", payments: payment..<(payment + 1), types: ["PaymentInitiatedEvent"]).records,
                    kafka: kafka)
                try await waitUntil("payment \(payment) delivered", timeout: .seconds(30)) {
                    receiver.requests.contains { $0.paymentId == "API-S-P\(payment)" }
                }
                return receiver.requests.first { $0.paymentId == "API-S-P\(payment)" }!
            }
            let before = try await deliver(0)
            #expect(before.isSigned(with: Self.secret) && !before.isSigned(with: Self.rotated))
            try await service.update("API-S", .rotateSecret) {
                $0.rotate(to: Self.rotated, overlap: .seconds(4), now: Date().millisecondsSince1970)
            }
            try await Task.sleep(for: .milliseconds(500))
            let during = try await deliver(1)
            #expect(during.isSigned(with: Self.secret) && during.isSigned(with: Self.rotated), "either secret verifies")
            try await Task.sleep(for: .seconds(4))
            let after = try await deliver(2)
            #expect(after.isSigned(with: Self.rotated) && !after.isSigned(with: Self.secret), "the old one is dropped")
        }
    }

    @Test("two instances converge: a tenant created and paused on one is served and paused by both sinks")
    func twoInstancesConverge() async throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1)
        let receiver = WebhookReceiver()
        try await serving([receiver]) {
            let one = try await Service(cluster: cluster)
            defer { one.run.cancel() }
            let two = try await Service(cluster: cluster)
            defer { two.run.cancel() }
            try await one.put("API-C", url: receiver.url + "/hooks")
            try await waitUntil("both sinks serve the tenant", timeout: .seconds(2)) {
                one.app.sink?.tenantControls["API-C"] != nil && two.app.sink?.tenantControls["API-C"] != nil
            }
            try await two.update("API-C", .pause) { $0.paused = true }
            try await waitUntil("both sinks see the pause", timeout: .seconds(2)) {
                one.app.sink?.tenantControls["API-C"]?.paused == true
                    && two.app.sink?.tenantControls["API-C"]?.paused == true
            }
            _ = try await one.store.delete("API-C", by: "ops")
            try await waitUntil("both sinks drop the tenant", timeout: .seconds(2)) {
                one.app.sink?.tenantControls["API-C"] == nil && two.app.sink?.tenantControls["API-C"] == nil
            }
        }
    }
}
