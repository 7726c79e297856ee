import Foundation
import Kafka
import Synchronization

/// Upstream, as the payments engine behaves: a steady stream of internal events, each payment's
/// lifecycle in order and keyed by its paymentId. It remembers what it sent, so the test can
/// check what came out. Records that fail to reach the broker are counted, never silently lost.
public final class EventFeeder: Sendable {
    private let producer: KafkaProducer
    private let sent = Mutex<[String: [String]]>([:])
    private let produceFailures = Counter()
    private let stopRequested = Atomic<Bool>(false)
    private let tenants: [String]
    private let ledger = DeliveryLedger()

    public init(kafka: KafkaConfiguration, tenants: [String]) throws {
        let failures = produceFailures
        let ledger = ledger
        producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: quietLogger) {
            outcome in
            if outcome.error != nil {
                failures.value.add(1, ordering: .relaxed)
                return
            }
            ledger.acknowledged(outcome)
        }
        self.tenants = tenants
    }

    /// Where the broker acknowledged writing an event (nil if it was not acknowledged).
    public func position(of eventId: String) -> TopicPartitionOffset? { ledger.written.withLock { $0[eventId] } }

    /// Per payment, its eventIds in the order they were sent.
    public var expected: [String: [String]] { sent.withLock { $0 } }
    public var count: Int { sent.withLock { $0.values.map(\.count).reduce(0, +) } }
    public var failures: Int { produceFailures.value.load(ordering: .relaxed) }

    /// Sends `perSecond` events a second (lifecycles of 5 events over `payments` concurrent
    /// payments) until `stop()`; then flushes.
    public func run(perSecond: Int, payments: Int = 40) async throws {
        var round = 0
        var token: UInt = 0
        let batch = 10
        while !stopRequested.load(ordering: .relaxed) {
            for step in 0..<paymentLifecycle.count {
                for p in 0..<payments {
                    if stopRequested.load(ordering: .relaxed), step == 0 { break }
                    let tenant = tenants[p % tenants.count]
                    let paymentId = "\(tenant)-R\(round)-P\(p)"
                    let eventId = UUID().uuidString.lowercased()
                    sent.withLock { $0[paymentId, default: []].append(eventId) }
                    ledger.tokens.withLock { $0[token] = eventId }
                    try await producer.enqueue(
                        ProducerRecord(
                            topic: "payments.events", key: Array(paymentId.utf8),
                            value: internalEvent(
                                paymentId: paymentId, tenantId: tenant, type: paymentLifecycle[step], eventId: eventId)),
                        token: token)
                    token += 1
                    if token % UInt(batch) == 0 { try await Task.sleep(for: .milliseconds(1000 * batch / perSecond)) }
                }
            }
            round += 1
        }
        try await producer.flush(timeout: .seconds(120))
        await producer.close()
    }

    /// Ends the stream after the lifecycles under way are complete.
    public func stop() { stopRequested.store(true, ordering: .relaxed) }
}

/// The eventId sent with each token, and where the broker said each event was written.
final class DeliveryLedger: Sendable {
    let tokens = Mutex<[UInt: String]>([:])
    let written = Mutex<[String: TopicPartitionOffset]>([:])

    func acknowledged(_ outcome: DeliveryOutcome) {
        guard let eventId = tokens.withLock({ $0.removeValue(forKey: outcome.token) }) else { return }
        written.withLock {
            $0[eventId] = TopicPartitionOffset(
                topic: "payments.events", partition: outcome.partition, offset: outcome.offset)
        }
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
