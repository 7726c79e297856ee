import Admin
import Config
import Foundation
import Hummingbird
import Kafka
import Logging
import Payments
import Prometheus
import Synchronization
import Webhooks

/// `payments-bridge demo`: the whole flow on the embedded broker — generated internal events for
/// Kafka and webhook partners (some payments held for compliance review and released), the
/// bridge, the webhook sink, and an in-process partner endpoint that verifies every signature
/// and, for one partner, fails first attempts (retries) and refuses failed payments (dead letters).
public struct Demo: Sendable {
    public static let tenants = ["TENANT-001", "TENANT-002", "PARTNER-ABC", "PARTNER-XYZ"]
    static let secret = "whsec_" + Data("demo-partner-secret-0123456789".utf8).base64EncodedString()

    /// What the demo sent, and so what must come out.
    public struct Plan: Sendable, Equatable {
        public var events = 0
        public var internalOnly = 0
        public var malformed = 0
        public var unknownTenant = 0
        /// Responses per tenant.
        public var responses: [String: Int] = [:]
        /// PARTNER-ABC only takes completed and failed payments.
        public var filtered = 0
        /// PARTNER-XYZ refuses failed payments (400)…
        public var refused = 0
        /// …and fails the first attempt of completed ones (503).
        public var retried = 0
        /// Payments held for compliance review, per tenant, and released (in all).
        public var held: [String: Int] = [:]
        public var released = 0
    }

    public struct Summary: Sendable {
        public var plan: Plan
        /// Until every webhook record was settled (delivered, dead-lettered or filtered).
        public var seconds: Double
        /// Until the bridge had committed every event.
        public var bridgeSeconds: Double = 0
        public var consumed = 0
        public var skipped = 0
        public var deadLetters: [String: Int] = [:]
        public var produced: [String: Int] = [:]
        public var webhooks: [String: [String: Int]] = [:]
        public var filtered: [String: Int] = [:]
        public var requests = 0
        public var verified = 0
        /// Compliance holds the partner endpoint accepted, with their subReason.
        public var holdWebhooks = 0
    }

    public var events: Int
    public var logger: Logger

    public init(events: Int, logger: Logger) {
        self.events = events
        self.logger = logger
    }

    /// Internal events: whole payment lifecycles spread over the tenants, some ending in failure,
    /// some held for compliance review after the debit and released, plus internal-only,
    /// malformed and unknown-tenant events.
    func generate() -> (records: [ProducerRecord], plan: Plan) {
        var plan = Plan()
        var records: [ProducerRecord] = []
        let completedLifecycle = ["PaymentInitiatedEvent", "PaymentValidatedEvent", "FundsDebitedEvent", "ClearingSubmittedEvent", "PaymentCompletedEvent"]
        let failedLifecycle = ["PaymentInitiatedEvent", "PaymentValidatedEvent", "PaymentFailedEvent"]
        var payment = 0
        while records.count < events {
            payment += 1
            let tenant = Self.tenants[payment % Self.tenants.count]
            let paymentId = "PAY-\(payment)"
            let noise = payment % 10
            if noise == 3 {
                records.append(Self.event(paymentId, tenant, "RoutingDeterminedEvent"))
                plan.internalOnly += 1
            } else if noise == 6 {
                records.append(ProducerRecord(topic: "payments.events", key: Array(paymentId.utf8), value: Array("{\"eventId\": ".utf8)))
                plan.malformed += 1
            } else if noise == 9 {
                records.append(Self.event(paymentId, "UNKNOWN-BANK", "PaymentInitiatedEvent"))
                plan.unknownTenant += 1
            }
            var lifecycle = payment % 3 == 0 ? failedLifecycle : completedLifecycle
            if payment % 3 != 0, payment % 7 == 1 {
                lifecycle.insert(contentsOf: ["PaymentComplianceHoldEvent", "PaymentComplianceReleasedEvent"], at: 3)
            }
            for type in lifecycle where records.count < events {
                records.append(Self.event(paymentId, tenant, type, subReason: ComplianceSubReason.allCases[payment % 4]))
                if type == "PaymentComplianceHoldEvent" { plan.held[tenant, default: 0] += 1 }
                if type == "PaymentComplianceReleasedEvent" { plan.released += 1 }
                plan.responses[tenant, default: 0] += 1
                if tenant == "PARTNER-ABC", type != "PaymentCompletedEvent", type != "PaymentFailedEvent" { plan.filtered += 1 }
                if tenant == "PARTNER-XYZ", type == "PaymentFailedEvent" { plan.refused += 1 }
                if tenant == "PARTNER-XYZ", type == "PaymentCompletedEvent" { plan.retried += 1 }
            }
        }
        plan.events = records.count
        return (records, plan)
    }

    static func event(_ paymentId: String, _ tenant: String, _ type: String,
                      subReason: ComplianceSubReason = .pepReview) -> ProducerRecord {
        let compliance = switch type {
        case "PaymentComplianceHoldEvent":
            #","subReason":"\#(subReason.rawValue)""# + (subReason == .documentsRequired ? #","requiredAction":"Proof of address""# : "")
        case "PaymentComplianceReleasedEvent": #","status":"DEBITED""#
        default: ""
        }
        let json = """
        {"eventId":"\(UUID().uuidString.lowercased())","eventType":"\(type)","paymentId":"\(paymentId)","tenantId":"\(tenant)",\
        "channelType":"\(tenant == "TENANT-002" ? "WEB" : "PARTNER")","customerId":"CUST-\(paymentId)","debtorAccount":"DE89370400440532013000",\
        "creditorAccount":"FR1420041010050500013M02606","currency":"EUR","amount":"125.50","timestamp":\(Int64(Date().timeIntervalSince1970 * 1000)),\
        "correlationId":"corr-\(paymentId)","idempotencyKey":"idem-\(paymentId)"\(type == "PaymentFailedEvent" ? #","failureReason":"insufficient funds","failureCode":"AM04""# : "")\(compliance)}
        """
        return ProducerRecord(topic: "payments.events", key: Array(paymentId.utf8), value: Array(json.utf8))
    }

    func configuration(receiverPort: Int) -> BridgeConfiguration {
        var configuration = BridgeConfiguration()
        configuration.admin.port = 0
        configuration.sink.retry.schedule = [.seconds(1), .seconds(2)]
        configuration.sink.retry.minimumWindow = .seconds(10)
        configuration.bridge.topics.partitions = Dictionary(uniqueKeysWithValues: PaymentChannel.allCases.map { ($0, 2) })
        configuration.tenants = Self.tenants.map { id in
            let webhook: BridgeConfiguration.Webhook? = id.hasPrefix("PARTNER") ? BridgeConfiguration.Webhook(
                url: "http://127.0.0.1:\(receiverPort)/\(id)", secrets: [Secret(Self.secret)],
                eventTypes: id == "PARTNER-ABC" ? ["PAYMENT_COMPLETED", "PAYMENT_FAILED"] : nil,
                maxInFlight: 16, ratePerSecond: 1000, allowPrivateNetwork: true, allowInsecureHttp: true) : nil
            return BridgeConfiguration.Tenant(id: id, channel: id == "TENANT-002" ? .web : .partner,
                                              delivery: webhook == nil ? .kafka : .webhook, webhook: webhook)
        }
        return configuration
    }

    /// Runs the demo to the end; `progress` is called about twice a second with a status line.
    public func run(schemaDirectory: String, progress: @Sendable (String) -> Void = { _ in }) async throws -> Summary {
        let receiver = DemoPartner(signer: try WebhookSigner(secrets: [Self.secret]))
        let (records, plan) = generate()
        return try await receiver.serve(logger: logger) { port in
            let metrics = PrometheusCollectorRegistry()
            let application = try BridgeApplication(configuration: configuration(receiverPort: port), schemaDirectory: schemaDirectory,
                                                    metrics: metrics, logger: logger)
            let service = Task { try await application.run() }
            defer { service.cancel() }
            let started = ContinuousClock.now
            let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: application.kafka.configuration), logger: logger)
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
                progress("events \(committed)/\(plan.events) · webhooks delivered \(totals.delivered), retried \(totals.retriesScheduled), "
                         + "dead-lettered \(totals.deadLettered), filtered \(totals.filtered) · partner requests \(receiver.counts.requests)")
                if committed >= plan.events, totals.delivered + totals.deadLettered + totals.filtered >= webhookResponses { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            let elapsed = ContinuousClock.now - started
            service.cancel()
            _ = await service.result
            func seconds(_ duration: Duration) -> Double {
                Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            }
            var summary = Summary(plan: plan, seconds: seconds(elapsed))
            summary.bridgeSeconds = seconds((bridgeDone ?? .now) - started)
            summary.read(metrics: metrics)
            (summary.requests, summary.verified) = (receiver.counts.requests, receiver.counts.verified)
            summary.holdWebhooks = receiver.counts.holds
            return summary
        }
    }
}

extension Demo.Summary {
    /// Takes the counts from the service's own metrics.
    mutating func read(metrics: PrometheusCollectorRegistry) {
        var buffer: [UInt8] = []
        metrics.emit(into: &buffer)
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = String(line[..<space])
            let name = String(series.prefix { $0 != "{" })
            var labels: [String: String] = [:]
            if let open = series.firstIndex(of: "{") {
                for pair in series[series.index(after: open)...].dropLast().split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
                }
            }
            let count = Int(value)
            switch name {
            case "payments_bridge_events_consumed_total": consumed += count
            case "payments_bridge_events_skipped_total": skipped += count
            case "payments_bridge_dead_letters_total" where labels["source"] == "payments.events":
                deadLetters[labels["reason"] ?? "?", default: 0] += count
            case "payments_bridge_responses_produced_total":
                produced["payments.responses.\(labels["channel"] ?? "?").\(labels["tenant"] ?? "?")", default: 0] += count
            case "payments_bridge_webhook_deliveries_total":
                webhooks[labels["tenant"] ?? "?", default: [:]][labels["outcome"] ?? "?", default: 0] += count
            case "payments_bridge_webhook_filtered_total":
                filtered[labels["tenant"] ?? "?", default: 0] += count
            default: break
            }
        }
    }

    /// The closing summary table.
    public var table: String {
        func row(_ label: String, _ value: Int) -> String { label.padding(toLength: 52, withPad: " ", startingAt: 0) + String(value) }
        var lines = [String(format: "payments-bridge demo: %d events; the bridge committed them all in %.1f s (%.0f events/s), "
                            + "every webhook was settled after %.1f s (retry delays and a circuit-breaker pause included)",
                            plan.events, bridgeSeconds, Double(plan.events) / max(bridgeSeconds, 0.001), seconds), ""]
        lines.append("Bridge")
        lines.append(row("  events consumed", consumed))
        lines.append(row("  skipped (internal-only types)", skipped))
        for (reason, count) in deadLetters.sorted(by: { $0.key < $1.key }) { lines.append(row("  dead-lettered (\(reason))", count)) }
        lines.append("Compliance holds")
        lines.append(row("  payments held (PEP, AML, sanctions, documents)", plan.held.values.reduce(0, +)))
        lines.append(row("  released, resuming where they stopped", plan.released))
        lines.append(row("  hold webhooks received (COMPLIANCE + subReason)", holdWebhooks))
        lines.append("Partner topics (records)")
        for (topic, count) in produced.sorted(by: { $0.key < $1.key }) { lines.append(row("  \(topic)", count)) }
        lines.append("Webhooks")
        for tenant in webhooks.keys.sorted() {
            let outcomes = webhooks[tenant] ?? [:]
            lines.append("  \(tenant): delivered \(outcomes["delivered"] ?? 0), retried \(outcomes["retry_scheduled"] ?? 0), "
                         + "dead-lettered \(outcomes["dead_lettered"] ?? 0), filtered \(filtered[tenant] ?? 0)")
        }
        lines.append(row("  partner requests with a valid signature", verified) + " of \(requests)")
        return lines.joined(separator: "\n")
    }
}

/// The demo's partner endpoint: checks the Standard Webhooks signature of every request;
/// PARTNER-XYZ answers 503 to the first attempt of each completed payment and 400 to failed ones.
final class DemoPartner: Sendable {
    struct Counts { var requests = 0; var verified = 0; var holds = 0; var seen: Set<String> = [] }
    private let signer: WebhookSigner
    private let state = Mutex(Counts())

    init(signer: WebhookSigner) { self.signer = signer }

    var counts: Counts { state.withLock { $0 } }

    func serve<T: Sendable>(logger: Logger, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/:tenant") { [self] request, context -> Response in
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let id = request.headers[.init("webhook-id")!] ?? ""
            let timestamp = request.headers[.init("webhook-timestamp")!].flatMap { Int64($0) } ?? 0
            let signatures = (request.headers[.init("webhook-signature")!] ?? "").split(separator: " ").map(String.init)
            let expected = signer.standardSignature(id: id, timestamp: timestamp, body: bytes)
            let body = String(decoding: bytes, as: UTF8.self)
            let status: HTTPResponse.Status = state.withLock { counts in
                counts.requests += 1
                if signatures.contains(expected) { counts.verified += 1 }
                if body.contains(#""status":"COMPLIANCE""#), body.contains(#""subReason":""#) { counts.holds += 1 }
                guard context.parameters.get("tenant") == "PARTNER-XYZ" else { return .ok }
                if body.contains("\"PAYMENT_FAILED\"") { return .badRequest }
                if body.contains("\"PAYMENT_COMPLETED\""), counts.seen.insert(id).inserted { return .serviceUnavailable }
                return .ok
            }
            return Response(status: status)
        }
        var quiet = logger
        quiet.logLevel = .critical
        return try await serveOnLoopback(router, logger: quiet, body)
    }
}
