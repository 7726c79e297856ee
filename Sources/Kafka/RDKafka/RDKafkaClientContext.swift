import CRdKafka
import Dispatch
import Foundation
import Logging
import Synchronization
import Timing

/// State shared with librdkafka's C callbacks, reached through the handle's opaque pointer.
final class RDKafkaClientContext: Sendable {
    let logger: Logger
    /// Called for each rebalance on the poll thread, which waits for it to finish (see
    /// `rdkafkaRebalanceCallback`).
    let rebalanceHandler: Mutex<(@Sendable (RebalanceEvent) async -> Void)?>
    let deliveryHandler: (@Sendable (DeliveryOutcome) -> Void)?
    let assignment = Mutex<Set<TopicPartition>>([])
    /// Partitions revoked or lost since `pollBatch` last looked: records of theirs that it took
    /// before the rebalance are stale (the next owner, maybe this consumer again, reads them
    /// from the committed offset).
    let revokedDuringPoll = Mutex<Set<TopicPartition>>([])
    /// Records `pollBatch` left out for that reason, since the client started.
    let recordsOfRevokedPartitions = Atomic<Int>(0)
    let lastError = Mutex<KafkaError?>(nil)
    /// The latest delivery Kafka refused for what the record is (`KafkaError.refusesRecord`),
    /// kept until taken: for records sent without a completion, whose transaction then fails.
    let refusedDelivery = Mutex<KafkaError?>(nil)
    private let spaceWaiters = Mutex<[CheckedContinuation<Void, Never>]>([])

    init(
        logger: Logger, rebalanceHandler: (@Sendable (RebalanceEvent) async -> Void)?,
        deliveryHandler: (@Sendable (DeliveryOutcome) -> Void)?
    ) {
        self.logger = logger
        self.rebalanceHandler = Mutex(rebalanceHandler)
        self.deliveryHandler = deliveryHandler
    }

    /// Suspends until the poll loop has served events (so the producer queue may have room).
    func waitForQueueSpace() async {
        await withCheckedContinuation { continuation in
            spaceWaiters.withLock { $0.append(continuation) }
        }
    }

    var hasSpaceWaiters: Bool { spaceWaiters.withLock { !$0.isEmpty } }

    func wakeSpaceWaiters() {
        let waiters = spaceWaiters.withLock { waiters -> [CheckedContinuation<Void, Never>] in
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
