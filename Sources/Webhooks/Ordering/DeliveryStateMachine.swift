import DeadLetters
import Foundation
import Kafka
import Timing

/// Every rule of the sink's ordering, offsets and retries, in one value type: no locks, no
/// async, no I/O. It takes events (a partition assigned, its retry log loaded, a record fetched,
/// an attempt finished, a Kafka write acknowledged, partitions revoked or lost) and returns the
/// actions that carry them out (deliver a record, write to Kafka, pause or resume a partition);
/// `WebhookSink` only performs them.
///
/// The rules:
/// - **One payment, one record at a time, in offset order.** The head of a payment's queue is
///   the only record of that payment with an attempt out; the next one starts when the head is
///   finished (delivered or dead-lettered, with every Kafka write that takes acknowledged).
/// - **Offsets.** A record holds its offset in the partition's window until it is delivered,
///   dead-lettered (the DLT write acknowledged) or durably in the retry log (the entry
///   acknowledged); the committed position never passes a record that holds its offset.
/// - **Parking.** A head that fails with a retriable outcome is written to the retry log with its
///   next due time; every later record of the payment is written there too, one at a time in
///   offset order (it waits behind the head), so the partition's offset moves on and other
///   payments keep flowing.
/// - **Generations.** Each assignment of a partition gets a new generation. Revoking or losing a
///   partition forgets it at once: events of an older generation are ignored and no action for it
///   is emitted again; the service cancels and awaits the partition's workers before committing.
/// - **Memory.** Parked records stay in memory until their next attempt; a tenant with
///   `maxParkedPerTenant` of them (or any tenant holding some once `maxParked` are parked in
///   all) has its partitions paused until half of that is left: its backlog waits in Kafka.
/// - **Retry log first.** A newly assigned partition is paused until its retry log is loaded;
///   its pending entries go first in their payments' queues, and a fetched record that the log
///   already holds (same payment, offset at or below the log's highest) is a duplicate.
struct DeliveryStateMachine: Sendable {
    struct Settings: Sendable {
        /// A partition's window: records read and not finished (from the first unfinished one).
        /// A full window takes no more records (`canTake`); they wait, fetched, in the service.
        var maxOutstandingPerPartition = 2000
        /// A partition is paused once this many of its fetched records wait for room in its
        /// window, and resumed when half of them are left. Pausing drops what the consumer
        /// fetched ahead and resuming costs a fetch from the broker, so the records still waiting
        /// (and the window's) are the work that covers that fetch.
        var maxWaitingPerPartition = 2000
        /// Parked records (in the retry log, waiting in memory for their next attempt) a tenant
        /// may have before its partitions are paused, and resumed below half of it.
        var maxParkedPerTenant = 10_000
        /// The same over all tenants: past it, the partitions of tenants with parked records are
        /// paused (tenants without any keep flowing).
        var maxParked = 50_000
    }

    /// An attempt to deliver the head of a payment's queue.
    struct Attempt: Sendable {
        var partition: TopicPartition
        var generation: Int
        var key: String
        var delivery: QueuedDelivery
    }

    /// How an attempt ended (the service applies the endpoint's answer and the retry policy).
    enum Outcome: Sendable {
        case delivered
        /// Try again: `pending` is the record's new state, `due` set.
        case retry(PendingDelivery)
        case deadLetter(DeadLetterCause)
    }

    /// A Kafka write the sink must make and acknowledge with `written(_:)`.
    enum Write: Sendable {
        case retryEntry(PendingDelivery)
        case tombstone(PendingDelivery)
        case deadLetter(ConsumerRecord, tenant: String, cause: DeadLetterCause)
    }

    struct WriteTicket: Hashable, Sendable {
        var partition: TopicPartition
        var generation: Int
        fileprivate var id: Int
    }

    enum Action: Sendable {
        case deliver(Attempt)
        case write(WriteTicket, Write)
        case pause([TopicPartition])
        case resume([TopicPartition])
    }

    /// What a fetched record is to the sink.
    enum Fetched: Sendable {
        case deliver(QueuedDelivery)
        /// Nothing to send (filtered out): finished at once.
        case skip
        /// Cannot be delivered (undecodable): dead-lettered, finished once the DLT has it.
        case deadLetter(ConsumerRecord, tenant: String, cause: DeadLetterCause)
    }

    /// What happened to a fetched record, for counting.
    enum Intake: Equatable, Sendable {
        case accepted
        /// Its partition is not assigned to this instance (fetched before a revoke).
        case notAssigned
        /// Already taken (fetched again: librdkafka may re-fetch after a pause and resume) or
        /// already held by the retry log.
        case duplicate
    }

    /// When the revoked partitions' workers are stopped, these positions are committed (none
    /// for lost partitions).
    struct Revocation: Sendable {
        var partitions: [TopicPartition]
        var commit: [TopicPartitionOffset]
    }

    private struct Entry: Sendable {
        var delivery: QueuedDelivery
        /// The record's offset is still unfinished in the window.
        var holdsOffset: Bool
        /// The retry log holds its entry (a tombstone is due when it is finished).
        var inLog: Bool
        /// Its retry-log entry is being written: it cannot be sent before that is acknowledged.
        var writing = false
        /// Kafka refused its retry-log entry for good (too large): it stays in memory, holding
        /// its offset, and no later record of the payment goes to the log before it.
        var unloggable = false
    }

    /// What the head of a queue is doing.
    private enum Phase: Sendable {
        case idle
        case attempting
        /// Writes (in order) still to make for the head, then how it ends.
        case finishing(remaining: [Write], then: Finish)
    }

    private enum Finish: Sendable {
        case remove
        case park(PendingDelivery)
    }

    private struct PaymentQueue: Sendable {
        var entries: [Entry] = []
        var phase = Phase.idle
    }

    private enum WritePurpose: Sendable {
        case head(key: String)
        case handOff(key: String, offset: Int64)
        /// A dead letter for a record that never entered a queue.
        case rejected(offset: Int64)
    }

    private struct Partition: Sendable {
        let generation: Int
        var loaded = false
        /// Records fetched before the retry log was loaded, in order.
        var early: [(offset: Int64, fetched: Fetched)] = []
        var window = OffsetWindow()
        var committed: Int64?
        var queues: [String: PaymentQueue] = [:]
        /// Per payment, the highest original offset that is (or was, at load) in the retry log:
        /// a fetched record at or below it was handled before a restart or rebalance.
        var loggedUpTo: [String: Int64] = [:]
        var paused = false
        var writes: [Int: WritePurpose] = [:]
        /// Entries in the retry log (kept as records change, not counted by walking the queues).
        var parked = 0
        /// The tenant whose topic this is (known from its first record).
        var tenant: String?
    }

    let settings: Settings
    private var partitions: [TopicPartition: Partition] = [:]
    /// Reading is held (every partition paused): fetched records cannot be taken now.
    private var holding = false
    private var parkedByTenant: [String: Int] = [:]
    private var parkedTotal = 0
    private var nextGeneration = 0
    private var nextWrite = 0

    init(settings: Settings = Settings()) { self.settings = settings }

    // MARK: Queries

    var assigned: Set<TopicPartition> { Set(partitions.keys) }

    /// Whether `generation` is still the live assignment of `partition`.
    func isCurrent(_ partition: TopicPartition, generation: Int) -> Bool {
        partitions[partition]?.generation == generation
    }

    /// Assigned partitions whose retry log is not loaded yet.
    var loading: [(TopicPartition, generation: Int)] {
        partitions.compactMap { $0.value.loaded ? nil : ($0.key, $0.value.generation) }
    }

    /// Records read and not yet finished, over all partitions.
    var outstanding: Int { partitions.values.reduce(0) { $0 + $1.window.outstanding } }

    /// Records waiting in the retry log, per partition.
    func parked(in partition: TopicPartition) -> Int { partitions[partition]?.parked ?? 0 }

    /// Records waiting in the retry log, in all.
    var parkedInAll: Int { parkedTotal }

    /// Positions that may be committed and differ from the last commit.
    func commitPositions(of subset: Set<TopicPartition>? = nil) -> [TopicPartitionOffset] {
        partitions.compactMap { partition, state in
            guard subset?.contains(partition) ?? true, state.loaded, let position = state.window.commitPosition,
                position != state.committed
            else { return nil }
            return TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: position)
        }
    }

    mutating func committed(_ offsets: [TopicPartitionOffset]) {
        for offset in offsets {
            let partition = offset.topicPartition
            guard partitions[partition] != nil else { continue }
            partitions[partition]!.committed = offset.offset
        }
    }

    // MARK: Rebalances

    /// New partitions: each gets a new generation and is paused until its retry log is loaded.
    mutating func assign(_ assigned: [TopicPartition]) -> [Action] {
        var paused: [TopicPartition] = []
        for partition in assigned where partitions[partition] == nil {
            nextGeneration += 1
            var state = Partition(generation: nextGeneration)
            state.paused = true
            partitions[partition] = state
            paused.append(partition)
        }
        return paused.isEmpty ? [] : [.pause(paused)]
    }

    /// Forgets the partitions at once; what was finished may be committed (not when `lost`).
    mutating func revoke(_ revoked: [TopicPartition], lost: Bool) -> Revocation {
        let commit = lost ? [] : commitPositions(of: Set(revoked))
        for partition in revoked {
            if let state = partitions[partition] {
                parkedByTenant[state.tenant ?? "", default: 0] -= state.parked
                parkedTotal -= state.parked
            }
            partitions[partition] = nil
        }
        return Revocation(partitions: revoked, commit: commit)
    }

    /// The partition's pending retries, read from the retry log, in original offset order.
    mutating func loaded(_ partition: TopicPartition, generation: Int, entries: [QueuedDelivery]) -> [Action] {
        guard var state = partitions[partition], state.generation == generation, !state.loaded else { return [] }
        for delivery in entries {
            let key = QueuedDelivery.paymentKey(delivery.pending.record)
            state.queues[key, default: PaymentQueue()].entries.append(
                Entry(delivery: delivery, holdsOffset: false, inLog: true))
            state.loggedUpTo[key] = max(state.loggedUpTo[key] ?? .min, delivery.offset)
        }
        if let first = entries.first { state.tenant = first.tenant }
        state.parked += entries.count
        parkedByTenant[state.tenant ?? "", default: 0] += entries.count
        parkedTotal += entries.count
        state.loaded = true
        let early = state.early
        state.early = []
        let keys = Array(state.queues.keys)
        partitions[partition] = state
        state = Partition(generation: generation)  // no second reference to the queues while they change
        var actions: [Action] = []
        for key in keys { advance(partition, key, into: &actions) }
        for (offset, fetched) in early { _ = take(partition, offset: offset, fetched, into: &actions) }
        return actions
    }

    // MARK: Records

    /// A record read from a response topic.
    mutating func fetched(_ partition: TopicPartition, offset: Int64, _ fetched: Fetched) -> (Intake, [Action]) {
        guard partitions[partition] != nil else { return (.notAssigned, []) }
        // Within an assignment offsets only go up: a record at or below one already read was
        // fetched again (a resumed partition can be fetched from an earlier position) and is
        // already here.
        if let next = partitions[partition]!.window.nextOffset, offset < next { return (.duplicate, []) }
        partitions[partition]!.window.read(offset)
        guard partitions[partition]!.loaded else {
            partitions[partition]!.early.append((offset, fetched))
            return (.accepted, [])
        }
        var actions: [Action] = []
        let intake = take(partition, offset: offset, fetched, into: &actions)
        return (intake, actions)
    }

    private mutating func take(
        _ partition: TopicPartition, offset: Int64, _ fetched: Fetched, into actions: inout [Action]
    ) -> Intake {
        switch fetched {
        case .skip:
            partitions[partition]!.window.finish(offset)
            return .accepted
        case .deadLetter(let record, let tenant, let cause):
            let ticket = ticket(partition, .rejected(offset: offset))
            actions.append(.write(ticket, .deadLetter(record, tenant: tenant, cause: cause)))
            return .accepted
        case .deliver(let delivery):
            if partitions[partition]!.tenant == nil { partitions[partition]!.tenant = delivery.tenant }
            let key = QueuedDelivery.paymentKey(delivery.pending.record)
            if let logged = partitions[partition]!.loggedUpTo[key], offset <= logged {
                partitions[partition]!.window.finish(offset)
                return .duplicate
            }
            partitions[partition]!.queues[key, default: PaymentQueue()].entries.append(
                Entry(delivery: delivery, holdsOffset: true, inLog: false))
            handOffNext(partition, key, into: &actions)
            advance(partition, key, into: &actions)
            return .accepted
        }
    }

    // MARK: Attempts and writes

    mutating func attemptFinished(_ attempt: Attempt, _ outcome: Outcome) -> [Action] {
        let partition = attempt.partition
        let key = attempt.key
        guard isCurrent(partition, generation: attempt.generation),
            var queue = partitions[partition]!.queues[key], case .attempting = queue.phase,
            let head = queue.entries.first, head.delivery.offset == attempt.delivery.offset
        else { return [] }
        var writes: [Write] = []
        let finish: Finish
        switch outcome {
        case .delivered:
            if head.inLog { writes.append(.tombstone(head.delivery.pending)) }
            finish = .remove
        case .deadLetter(let cause):
            writes.append(.deadLetter(head.delivery.pending.record, tenant: head.delivery.tenant, cause: cause))
            if head.inLog { writes.append(.tombstone(head.delivery.pending)) }
            finish = .remove
        case .retry(let pending):
            writes.append(.retryEntry(pending))
            finish = .park(pending)
        }
        queue.phase = .finishing(remaining: writes, then: finish)
        partitions[partition]!.queues[key] = queue
        var actions: [Action] = []
        proceed(partition, key, into: &actions)
        return actions
    }

    /// A write was acknowledged by the broker.
    mutating func written(_ ticket: WriteTicket) -> [Action] {
        let partition = ticket.partition
        guard let purpose = settle(ticket) else { return [] }
        var actions: [Action] = []
        switch purpose {
        case .rejected(let offset):
            partitions[partition]!.window.finish(offset)
        case .handOff(let key, let offset):
            guard var queue = partitions[partition]!.queues[key],
                let index = queue.entries.firstIndex(where: { $0.delivery.offset == offset })
            else { return [] }
            queue.entries[index].writing = false
            queue.entries[index].inLog = true
            countParked(partition, +1)
            if queue.entries[index].holdsOffset {
                queue.entries[index].holdsOffset = false
                partitions[partition]!.window.finish(offset)
            }
            partitions[partition]!.queues[key] = queue
            handOffNext(partition, key, into: &actions)
            advance(partition, key, into: &actions)
        case .head(let key):
            guard var queue = partitions[partition]!.queues[key], case .finishing(let remaining, let then) = queue.phase
            else { return [] }
            queue.phase = .finishing(remaining: Array(remaining.dropFirst()), then: then)
            partitions[partition]!.queues[key] = queue
            proceed(partition, key, into: &actions)
        }
        return actions
    }

    /// Kafka refused a write for good (a record too large for the retry log, say); `reason` says
    /// why. A head that could not be parked is dead-lettered `oversized` instead; a record behind
    /// a parked head that could not be handed off waits in memory, holding its offset. (Dead
    /// letters themselves are the service's to shorten until Kafka takes them.)
    mutating func writeRefused(_ ticket: WriteTicket, reason: String) -> [Action] {
        let partition = ticket.partition
        guard let purpose = settle(ticket) else { return [] }
        var actions: [Action] = []
        switch purpose {
        case .rejected(let offset):
            partitions[partition]!.window.finish(offset)
        case .handOff(let key, let offset):
            guard var queue = partitions[partition]!.queues[key],
                let index = queue.entries.firstIndex(where: { $0.delivery.offset == offset })
            else { return [] }
            queue.entries[index].writing = false
            queue.entries[index].unloggable = true
            partitions[partition]!.queues[key] = queue
            advance(partition, key, into: &actions)
        case .head(let key):
            guard var queue = partitions[partition]!.queues[key],
                case .finishing(let remaining, let then) = queue.phase,
                let head = queue.entries.first
            else { return [] }
            switch (remaining.first, then) {
            case (.retryEntry(let pending)?, .park):
                let now = pending.lastAttempt ?? pending.due
                let cause = DeadLetterCause(
                    reason: .oversized,
                    error: "the retry log refused the record (\(reason)); last error: \(pending.lastError ?? "none")",
                    httpStatus: pending.lastStatus, attempts: pending.attempts,
                    firstAttempt: Date(milliseconds: pending.firstAttempt ?? now), lastAttempt: Date(milliseconds: now))
                var writes: [Write] = [.deadLetter(pending.record, tenant: head.delivery.tenant, cause: cause)]
                if head.inLog { writes.append(.tombstone(head.delivery.pending)) }
                queue.phase = .finishing(remaining: writes, then: .remove)
            default:
                // A tombstone or a dead letter that cannot be written: nothing else can be done.
                queue.phase = .finishing(remaining: Array(remaining.dropFirst()), then: then)
            }
            partitions[partition]!.queues[key] = queue
            proceed(partition, key, into: &actions)
        }
        return actions
    }

    /// Emits the head's next write, or finishes it when none is left.
    private mutating func proceed(_ partition: TopicPartition, _ key: String, into actions: inout [Action]) {
        guard var queue = partitions[partition]!.queues[key], case .finishing(let remaining, let then) = queue.phase
        else { return }
        if let next = remaining.first {
            actions.append(.write(ticket(partition, .head(key: key)), next))
            return
        }
        switch then {
        case .remove:
            let head = queue.entries.removeFirst()
            if head.holdsOffset { partitions[partition]!.window.finish(head.delivery.offset) }
            if head.inLog { countParked(partition, -1) }
        case .park(let pending):
            queue.entries[0].delivery.pending = pending
            if !queue.entries[0].inLog { countParked(partition, +1) }
            queue.entries[0].inLog = true
            if queue.entries[0].holdsOffset {
                queue.entries[0].holdsOffset = false
                partitions[partition]!.window.finish(pending.record.offset)
            }
        }
        queue.phase = .idle
        partitions[partition]!.queues[key] = queue
        handOffNext(partition, key, into: &actions)
        advance(partition, key, into: &actions)
    }

    /// While a payment is parked, its later records go to the retry log one at a time, in
    /// offset order: the log then never holds a record of a payment without every earlier
    /// unfinished one (entries land on different log partitions, and a crash can lose any write
    /// in flight), which is what makes "at or below the log's highest offset" mean "handled".
    private mutating func handOffNext(_ partition: TopicPartition, _ key: String, into actions: inout [Action]) {
        guard var queue = partitions[partition]!.queues[key], queue.entries.first?.inLog == true,
            !queue.entries.contains(where: \.writing),
            let index = queue.entries.indices.dropFirst().first(where: { !queue.entries[$0].inLog }),
            !queue.entries[index].unloggable
        else { return }
        queue.entries[index].writing = true
        let follower = queue.entries[index].delivery
        partitions[partition]!.queues[key] = queue
        actions.append(
            .write(ticket(partition, .handOff(key: key, offset: follower.offset)), .retryEntry(follower.pending)))
    }

    /// Starts the head of an idle queue when it may be sent; drops an empty queue.
    private mutating func advance(_ partition: TopicPartition, _ key: String, into actions: inout [Action]) {
        // No copy of the partition is held while it is changed below: a copy would make the
        // change copy every queue of the partition (copy-on-write), once per record.
        guard let generation = partitions[partition]?.generation, partitions[partition]!.loaded,
            let queue = partitions[partition]!.queues[key], case .idle = queue.phase
        else { return }
        guard let head = queue.entries.first else {
            partitions[partition]!.queues[key] = nil
            return
        }
        guard !head.writing else { return }
        if let cause = head.delivery.undeliverable {
            var writes: [Write] = [
                .deadLetter(head.delivery.pending.record, tenant: head.delivery.tenant, cause: cause)
            ]
            if head.inLog { writes.append(.tombstone(head.delivery.pending)) }
            partitions[partition]!.queues[key]!.phase = .finishing(remaining: writes, then: .remove)
            proceed(partition, key, into: &actions)
            return
        }
        partitions[partition]!.queues[key]!.phase = .attempting
        actions.append(
            .deliver(Attempt(partition: partition, generation: generation, key: key, delivery: head.delivery)))
    }

    private mutating func countParked(_ partition: TopicPartition, _ change: Int) {
        partitions[partition]!.parked += change
        parkedByTenant[partitions[partition]!.tenant ?? "", default: 0] += change
        parkedTotal += change
    }

    /// Takes an outstanding write off the books: what it was for, or nil when it belongs to an
    /// older assignment (or was settled already).
    private mutating func settle(_ ticket: WriteTicket) -> WritePurpose? {
        guard isCurrent(ticket.partition, generation: ticket.generation) else { return nil }
        return partitions[ticket.partition]!.writes.removeValue(forKey: ticket.id)
    }

    private mutating func ticket(_ partition: TopicPartition, _ purpose: WritePurpose) -> WriteTicket {
        nextWrite += 1
        partitions[partition]!.writes[nextWrite] = purpose
        return WriteTicket(partition: partition, generation: partitions[partition]!.generation, id: nextWrite)
    }

    // MARK: Flow control

    /// Whether a record fetched for `partition` may be taken now: its retry log is loaded, its
    /// window has room and its tenant is within its budget. (Records of partitions this
    /// instance does not own may always be "taken": they are dropped.)
    func canTake(_ partition: TopicPartition) -> Bool {
        guard let state = partitions[partition] else { return true }
        return state.loaded && state.window.outstanding < settings.maxOutstandingPerPartition && !overBudget(state)
    }

    private func overBudget(_ state: Partition) -> Bool {
        let tenantParked = parkedByTenant[state.tenant ?? "", default: 0]
        return tenantParked >= settings.maxParkedPerTenant || (parkedTotal >= settings.maxParked && tenantParked > 0)
    }

    /// Holds reading on every partition (the records already fetched cannot be taken now: the
    /// schema registry does not answer), or lets it go on.
    mutating func holdReading(_ hold: Bool) { holding = hold }

    /// Pauses partitions with `maxWaitingPerPartition` fetched records waiting for room (`waiting`:
    /// the service's count of records it fetched and could not hand in yet, per partition), a
    /// retry log still loading, a tenant over its budget, or all while reading is held; resumes
    /// them once half of that is left and nothing else holds them.
    mutating func flowControl(waiting: [TopicPartition: Int]) -> [Action] {
        let limit = settings.maxWaitingPerPartition
        var pause: [TopicPartition] = []
        var resume: [TopicPartition] = []
        for partition in Array(partitions.keys) {
            let state = partitions[partition]!
            let tenantParked = parkedByTenant[state.tenant ?? "", default: 0]
            let overBudget = overBudget(state)
            let underBudget =
                tenantParked <= settings.maxParkedPerTenant / 2
                && (parkedTotal <= settings.maxParked / 2 || tenantParked == 0)
            let held = waiting[partition] ?? 0
            let full = held >= limit || !state.loaded || holding || overBudget
            let wasPaused = state.paused
            let loaded = state.loaded
            if !wasPaused, full {
                partitions[partition]!.paused = true
                pause.append(partition)
            } else if wasPaused, loaded, !holding, held <= limit / 2, underBudget {
                partitions[partition]!.paused = false
                resume.append(partition)
            }
        }
        var actions: [Action] = []
        if !pause.isEmpty { actions.append(.pause(pause)) }
        if !resume.isEmpty { actions.append(.resume(resume)) }
        return actions
    }
}
