import App
import AsyncHTTPClient
import Config
import Digest
import Foundation
import Kafka
import Logging
import PaymentHistory
import Payments
import Synchronization
import Timing
import Webhooks

/// `payments-bridge demo`: the whole flow on the embedded broker — generated internal events for
/// Kafka and webhook partners (some payments held for compliance review and released), the
/// bridge, the webhook sink, and an in-process partner endpoint that verifies every signature
/// and, for one partner, fails first attempts (retries) and refuses failed payments (dead letters).
public struct Demo: Sendable {
    public static let tenants = ["TENANT-001", "TENANT-002", "PARTNER-ABC", "PARTNER-XYZ"]
    static let secret = "whsec_" + Data("demo-partner-secret-0123456789".utf8).base64EncodedString()

    public var events: Int
    public var logger: Logger
    /// This run's key for the status API (PARTNER-XYZ's).
    let statusKey = "demo-status-key-" + UUID().uuidString

    public init(events: Int, logger: Logger) {
        self.events = events
        self.logger = logger
    }

    /// The service's configuration for the demo: the embedded broker and schema registry, short
    /// retry delays, two webhook partners on the in-process endpoint at `receiverPort`.
    func configuration(receiverPort: Int) -> BridgeConfiguration {
        var configuration = BridgeConfiguration()
        configuration.admin.port = 0
        // The payment history of a demo run is its own, and goes with it.
        configuration.state.directory =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("payments-bridge-demo-\(UUID().uuidString)").path
        // The partner status API on a free loopback port; PARTNER-XYZ has a key of this run's.
        configuration.partnerAPI.host = "127.0.0.1"
        configuration.partnerAPI.port = 0
        configuration.history.enabled = true
        configuration.sink.retry.schedule = [.seconds(1), .seconds(2)]
        configuration.sink.retry.minimumWindow = .seconds(10)
        configuration.bridge.topics.partitions = Dictionary(
            uniqueKeysWithValues: PaymentChannel.allCases.map { ($0, 2) })
        configuration.tenants = Self.tenants.map { id in
            let webhook: BridgeConfiguration.Webhook? =
                id.hasPrefix("PARTNER")
                ? BridgeConfiguration.Webhook(
                    url: "http://127.0.0.1:\(receiverPort)/\(id)", secrets: [Secret(Self.secret)],
                    eventTypes: id == "PARTNER-ABC" ? ["PAYMENT_COMPLETED", "PAYMENT_FAILED"] : nil,
                    maxInFlight: 16, ratePerSecond: 1000, allowPrivateNetwork: true, allowInsecureHttp: true) : nil
            var tenant = BridgeConfiguration.Tenant(
                id: id, channel: id == "TENANT-002" ? .web : .partner,
                delivery: webhook == nil ? .kafka : .webhook, webhook: webhook)
            if id == Self.tracedTenant { tenant.statusAPIKeys = [Digest.hex(Digest.sha256(Array(statusKey.utf8)))] }
            return tenant
        }
        return configuration
    }

    /// Runs the demo to the end; `progress` is called about twice a second with a status line.
    public func run(schemaDirectory: String, progress: @Sendable (String) -> Void = { _ in }) async throws
        -> DemoSummary
    {
        let receiver = DemoPartner(signer: try WebhookSigner(secrets: [Self.secret]))
        let (records, plan) = DemoTraffic(tenants: Self.tenants).generate(events: events)
        return try await receiver.serve(logger: logger) { port in
            let application = try BridgeApplication(
                configuration: configuration(receiverPort: port), schemaDirectory: schemaDirectory,
                logger: logger)
            let partnerPort = Mutex(0)
            let service = Task {
                try await application.run(onPartnerAPIRunning: { port in partnerPort.withLock { $0 = port } })
            }
            defer { service.cancel() }
            let started = ContinuousClock.now
            let producer = try KafkaProducer(
                configuration: ProducerConfiguration(kafka: application.kafka.configuration), logger: logger)
            for record in records { try await producer.enqueue(record) }
            try await producer.flush()
            await producer.close()
            let webhookResponses = plan.responses.filter { $0.key.hasPrefix("PARTNER") }.values.reduce(0, +)
            let deadline = ContinuousClock.now + .seconds(120)
            var bridgeDone: ContinuousClock.Instant?
            while ContinuousClock.now < deadline {
                let committed = application.bridge?.committedRecordCount ?? 0
                if bridgeDone == nil, committed >= plan.events { bridgeDone = .now }
                let totals = application.sink?.totals ?? WebhookSink.Totals()
                progress(
                    "events \(committed)/\(plan.events) · webhooks delivered \(totals.delivered), retried \(totals.retriesScheduled), "
                        + "dead-lettered \(totals.deadLettered), filtered \(totals.filtered) · partner requests \(receiver.counts.requests)"
                )
                if committed >= plan.events,
                    totals.delivered + totals.deadLettered + totals.filtered >= webhookResponses
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            let elapsed = ContinuousClock.now - started
            let (trace, status) = await traceAndStatus(application, partnerPort: partnerPort.withLock { $0 })
            service.cancel()
            _ = await service.result
            var summary = DemoSummary(plan: plan, seconds: elapsed.inSeconds)
            summary.bridgeSeconds = ((bridgeDone ?? .now) - started).inSeconds
            if let bridge = application.bridge?.totals {
                summary.consumed = bridge.events
                summary.skipped = bridge.skipped.values.reduce(0, +)
                summary.deadLetters = bridge.deadLettered
                summary.produced = bridge.produced
            }
            summary.webhooks = application.sink?.totals.tenants ?? [:]
            let counts = receiver.counts
            (summary.requests, summary.verified, summary.holdWebhooks) = (
                counts.requests, counts.verified, counts.holds
            )
            (summary.trace, summary.statusCall) = (trace, status)
            return summary
        }
    }

    /// The payment the summary traces: PARTNER-XYZ's first, completed after one retried attempt.
    static let tracedTenant = "PARTNER-XYZ"
    static let tracedPayment = "PAY-7"

    /// Once the payment history has caught up: the traced payment's trace (as `payments-bridge
    /// trace` prints it), and the status API's answer for it (the request, then the JSON).
    private func traceAndStatus(_ application: BridgeApplication, partnerPort: Int) async -> (String?, String?) {
        guard let history = application.history else { return (nil, nil) }
        // Until the history holds the payment's delivery (and has caught up with the topics).
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let state = try? await history.store.status(tenant: Self.tracedTenant, paymentId: Self.tracedPayment)
            if state?.delivery?.state == .delivered, history.lag == 0 { break }
            try? await Task.sleep(for: .milliseconds(200))
        }
        let trace = try? await history.store.trace(paymentId: Self.tracedPayment)
        let url = "http://127.0.0.1:\(partnerPort)/v1/payments/\(Self.tracedPayment)"
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(statusKey)")
        var status: String?
        if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(5)),
            let body = try? await response.body.collect(upTo: 1 << 20)
        {
            status =
                "GET \(url) (Authorization: Bearer <\(Self.tracedTenant)'s key>) → \(response.status.code)\n"
                + String(buffer: body)
        }
        return (trace.map { TraceDocument($0).table }, status)
    }
}
