import AsyncHTTPClient
import Foundation
import Kafka
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Two instances of the real binary with the control plane on, on Tansu: a webhook tenant
/// created, moved, paused and resumed through the admin API while its events flow.
@Suite("Control plane end to end on a real broker", .serialized, onCurrentLibrdkafkaOnly)
struct ControlPlaneEndToEndTests {
    static let secret = "whsec_" + Data("control-plane-end-to-end-secret".utf8).base64EncodedString()
    static let token = "ops-token-do-not-log-0123456789abcdef"
    static let stateKey = Data(repeating: 9, count: 32).base64EncodedString()

    static let rotated = "whsec_" + Data("control-plane-end-to-end-rotated".utf8).base64EncodedString()

    func config(_ broker: TansuBroker, adminPort: Int, instance: Int, retrySchedule: String = "[1s]") -> String {
        """
        kafka:
          bootstrapServers: "\(broker.bootstrapServers)"
          properties: {max.poll.interval.ms: "10000"}
        admin: {listen: "127.0.0.1:\(adminPort)", tokens: [{name: ops, token: "\(Self.token)"}]}
        bridge:
          transactionalId: payments-bridge-\(instance)
          topics: {replicationFactor: 1, partitions: {partner: 2}}
          transactions: {maxRecords: 100, maxInterval: 50ms}
        sink: {retry: {schedule: \(retrySchedule), jitter: 0}}
        controlPlane: {enabled: true, stateKeys: ["\(Self.stateKey)"]}
        tenants:
          - {id: TENANT-001, channel: partner, delivery: kafka}
        """
    }

    /// Sends an admin API request to `service`; the status and body.
    func admin(
        _ service: ServiceProcess, _ method: HTTPMethod, _ path: String, _ body: String? = nil,
        token: String = Self.token
    ) async throws -> (status: UInt, body: String) {
        try await adminRequest(port: service.adminPort, method, "/admin/tenants\(path)", body: body, token: token)
    }

    func tenantJSON(url: String, secret: String = Self.secret) -> String {
        #"{"channel":"partner","delivery":"webhook","webhook":{"url":"\#(url)","secrets":["\#(secret)"],"#
            + #""allowPrivateNetwork":true,"allowInsecureHttp":true}}"#
    }

    /// The event ids each partner delivered (200), per payment, first deliveries in log order.
    func delivered(_ partners: [PartnerEndpoint]) -> [String: [String]] {
        var byPayment: [String: [String]] = [:]
        for partner in partners {
            for entry in partner.requests where entry["status"] as? Int == 200 {
                guard let payment = entry["paymentId"] as? String, let id = entry["eventId"] as? String,
                    byPayment[payment]?.contains(id) != true
                else { continue }
                byPayment[payment, default: []].append(id)
            }
        }
        return byPayment
    }

    @Test(
        "a webhook tenant created, moved, paused and resumed through either instance gets every event once per payment, in order; secrets stay sealed"
    )
    func tenantLifecycleAcrossInstances() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        let first = try PartnerEndpoint(secret: Self.secret, trouble: .down)
        let second = try PartnerEndpoint(secret: Self.secret, trouble: .down)
        try first.recover()
        try second.recover()
        func start(_ instance: Int) async throws -> ServiceProcess {
            let port = try freeLoopbackPort()
            let service = try ServiceProcess(
                config: config(broker, adminPort: port, instance: instance), adminPort: port)
            try await service.waitForReady(timeout: .seconds(90))
            return service
        }
        let one = try await start(1)
        let two = try await start(2)

        // Created through instance one while nothing is configured for it.
        #expect(
            try await admin(one, .PUT, "/PARTNER-API", tenantJSON(url: "http://127.0.0.1:\(first.port)/a")).status
                == 201)
        let created = ContinuousClock.now
        let lifecycles = lifecycleEvents(tenant: "PARTNER-API", payments: 10)
        // The first two events of every payment, then the URL changes through instance two while the rest flow.
        let (early, late) = (
            lifecycles.records.enumerated().filter { $0.offset % 5 < 2 }.map(\.element),
            lifecycles.records.enumerated().filter { $0.offset % 5 >= 2 }.map(\.element)
        )
        try await produceAll(early, kafka: broker.kafka)
        try await waitUntil("the first events at the first URL", timeout: .seconds(60)) {
            first.requests.filter { $0["status"] as? Int == 200 }.count >= early.count
        }
        let firstDelivery = ContinuousClock.now - created
        let feeding = Task { try await produceAll(late, kafka: broker.kafka) }
        #expect(
            try await admin(two, .PUT, "/PARTNER-API", tenantJSON(url: "http://127.0.0.1:\(second.port)/b")).status
                == 200)
        let moved = ContinuousClock.now
        try await feeding.value
        try await waitUntil("every event delivered", timeout: .seconds(60)) {
            delivered([first, second]).values.map(\.count).reduce(0, +) == 50
        }
        let switched = ContinuousClock.now - moved
        #expect(delivered([first, second]) == lifecycles.expected, "every event, in each payment's order")
        #expect(!second.requests.isEmpty)
        #expect((first.requests + second.requests).allSatisfy { $0["verified"] as? Bool == true })

        // A wrong token changes nothing.
        #expect(
            try await admin(one, .PUT, "/PARTNER-API", tenantJSON(url: "http://127.0.0.1:1/x"), token: "wrong").status
                == 401)
        #expect(try await admin(two, .GET, "/PARTNER-API").body.contains("\(second.port)/b"))

        // Paused through one, resumed through two: nothing is sent meanwhile, nothing dead-lettered.
        #expect(try await admin(one, .POST, "/PARTNER-API/pause").status == 200)
        try await Task.sleep(for: .seconds(2))
        let before = second.requests.count
        let more = lifecycleEvents(tenant: "PARTNER-API", payments: 3)
        try await produceAll(more.records, kafka: broker.kafka)
        try await Task.sleep(for: .seconds(4))
        #expect(second.requests.count == before, "nothing is sent while the tenant is paused")
        #expect(try await admin(two, .POST, "/PARTNER-API/resume").status == 200)
        try await waitUntil("the held events delivered", timeout: .seconds(60)) {
            second.requests.filter { $0["status"] as? Int == 200 }.count >= before + more.records.count
        }
        var expectedMore = lifecycles.expected
        for (payment, ids) in more.expected { expectedMore[payment, default: []] += ids }
        #expect(delivered([first, second]) == expectedMore)

        // A second tenant joins sinks that are already running (their group rebalances).
        #expect(
            try await admin(two, .PUT, "/PARTNER-TWO", tenantJSON(url: "http://127.0.0.1:\(first.port)/two")).status
                == 201)
        let added = ContinuousClock.now
        try await produceAll(lifecycleEvents(tenant: "PARTNER-TWO", payments: 1).records, kafka: broker.kafka)
        try await waitUntil("the second tenant's events delivered", timeout: .seconds(60)) {
            first.requests.contains { $0["tenant"] as? String == "PARTNER-TWO" && $0["status"] as? Int == 200 }
        }
        let joined = ContinuousClock.now - added

        // No secret in the topic's bytes, the logs or the metrics.
        let raw = try await readTopics(["payments-bridge.tenants"], kafka: broker.kafka, timeout: .seconds(20)) {
            !$0.isEmpty
        }
        let topicBytes = raw.map { String(decoding: $0.value ?? [], as: UTF8.self) }.joined()
        #expect(!topicBytes.isEmpty && !leaksSecret(Self.secret, in: topicBytes), "the secret is sealed in the topic")
        let metrics = try await one.metrics() + two.metrics()
        #expect(one.terminate() == 0 && two.terminate() == 0)
        let logs = one.log + two.log + metrics
        #expect(!leaksSecret(Self.secret, in: logs) && !logs.contains(Self.token))
        print(
            "control plane on Tansu: first delivery \(firstDelivery) after the first tenant was created (the sinks' "
                + "first group join); \(joined) for a tenant added to running sinks; all delivered \(switched) "
                + "after the URL change")
    }

    @Test(
        "through the real binary's API: retry-now sends a waiting retry at once, a 410 disables until enable, a rotation signs with both secrets during its overlap and only the new one after"
    )
    func operationalActions() async throws {
        let broker = try TansuBroker()
        try broker.createTopic("payments.events", partitions: 3)
        // The script sees the requests so far, this one last: a RETRY payment's first request fails.
        let partner = WebhookReceiver { request, all in
            let payment = request.paymentId ?? ""
            if payment.hasPrefix("RETRY"), all.filter({ $0.paymentId == payment }).count == 1 { return .status(503) }
            if payment.hasPrefix("GONE") { return .status(410) }
            return .ok
        }
        try await serving([partner]) {
            let port = try freeLoopbackPort()
            let service = try ServiceProcess(
                config: config(broker, adminPort: port, instance: 1, retrySchedule: "[1h]"), adminPort: port)
            try await service.waitForReady(timeout: .seconds(90))
            func produce(_ payment: String) async throws {
                try await produceAll(
                    [
                        ProducerRecord(
                            topic: "payments.events", key: Array(payment.utf8),
                            value: internalEvent(
                                paymentId: payment, tenantId: "PARTNER-OPS", type: "PaymentInitiatedEvent"))
                    ], kafka: broker.kafka)
            }
            func requests(_ payment: String) -> [WebhookReceiver.Request] {
                partner.requests.filter { $0.paymentId == payment }
            }
            #expect(try await admin(service, .PUT, "/PARTNER-OPS", tenantJSON(url: partner.url)).status == 201)

            // retry-now: the retry waits an hour until asked.
            try await produce("RETRY-1")
            try await waitUntil("the first attempt failed", timeout: .seconds(60)) { requests("RETRY-1").count == 1 }
            try await Task.sleep(for: .seconds(2))
            #expect(requests("RETRY-1").count == 1)
            #expect(try await admin(service, .POST, "/PARTNER-OPS/retry-now").status == 200)
            try await waitUntil("the retry sent at once", timeout: .seconds(10)) { requests("RETRY-1").count == 2 }

            // 410: the tenant is disabled (the API says why) until enable.
            try await produce("GONE-1")
            try await waitUntil("the tenant disabled", timeout: .seconds(60)) {
                (try? await admin(service, .GET, "/PARTNER-OPS").body.contains("disabledReason")) == true
            }
            try await produce("HELD-1")
            try await Task.sleep(for: .seconds(3))
            #expect(requests("HELD-1").isEmpty, "not sent while disabled (dead-lettered)")
            #expect(try await admin(service, .POST, "/PARTNER-OPS/enable").status == 200)
            try await produce("AFTER-1")
            try await waitUntil("delivered again after enable", timeout: .seconds(60)) { !requests("AFTER-1").isEmpty }

            // Rotation with a 4 s overlap.
            let rotation = try await admin(
                service, .POST, "/PARTNER-OPS/rotate-secret", #"{"secret":"\#(Self.rotated)","overlap":"4s"}"#)
            #expect(rotation.status == 200 && rotation.body.contains(Self.rotated))
            try await produce("ROTATE-1")
            try await waitUntil("delivered during the overlap", timeout: .seconds(30)) { !requests("ROTATE-1").isEmpty }
            let during = requests("ROTATE-1")[0]
            #expect(during.isSigned(with: Self.secret) && during.isSigned(with: Self.rotated))
            try await Task.sleep(for: .seconds(4))
            try await produce("ROTATE-2")
            try await waitUntil("delivered after the overlap", timeout: .seconds(30)) { !requests("ROTATE-2").isEmpty }
            let after = requests("ROTATE-2")[0]
            #expect(after.isSigned(with: Self.rotated) && !after.isSigned(with: Self.secret))
            #expect(!(try await admin(service, .GET, "/PARTNER-OPS").body.contains("whsec_")))

            let metrics = try await service.metrics()
            #expect(service.terminate() == 0)
            #expect(
                !leaksSecret(Self.rotated, in: service.log + metrics)
                    && !leaksSecret(Self.secret, in: service.log + metrics))
        }
    }
}
