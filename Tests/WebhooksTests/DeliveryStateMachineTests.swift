import DeadLetters
import Foundation
import Kafka
import PropertyBased
import Testing

@testable import Webhooks

/// The sink's ordering, offset and retry rules, without Kafka, HTTP or time.
@Suite struct DeliveryStateMachineTests {
    typealias Machine = DeliveryStateMachine
    static let p0 = TopicPartition(topic: "payments.responses.partner.T1", partition: 0)
    static let p1 = TopicPartition(topic: "payments.responses.partner.T1", partition: 1)

    static func record(_ partition: TopicPartition, _ offset: Int64, key: String) -> ConsumerRecord {
        ConsumerRecord(
            topic: partition.topic, partition: partition.partition, offset: offset, key: Array(key.utf8),
            value: Array("v\(offset)".utf8), headers: [], timestamp: 0)
    }

    static func delivery(_ partition: TopicPartition, _ offset: Int64, key: String, attempts: Int = 0) -> QueuedDelivery
    {
        QueuedDelivery(
            tenant: "T1", pending: PendingDelivery(record: record(partition, offset, key: key), attempts: attempts),
            eventID: "e\(offset)", correlationID: "c", body: [])
    }

    static let refusal = DeadLetterCause(
        reason: .httpStatus, error: "HTTP 400", httpStatus: 400, attempts: 1,
        firstAttempt: Date(milliseconds: 0), lastAttempt: Date(milliseconds: 0))

    /// A machine with `partitions` assigned and loaded with an empty retry log.
    static func ready(_ partitions: [TopicPartition] = [p0], maxOutstanding: Int = 2000) -> Machine {
        ready(partitions, settings: .init(maxOutstandingPerPartition: maxOutstanding))
    }

    static func ready(_ partitions: [TopicPartition], settings: Machine.Settings) -> Machine {
        var machine = Machine(settings: settings)
        _ = machine.assign(partitions)
        for (partition, generation) in machine.loading {
            _ = machine.loaded(partition, generation: generation, entries: [])
        }
        _ = machine.flowControl(waiting: [:])
        return machine
    }

    /// Fails `head` once and acknowledges its retry-log entry: the payment is parked. The actions
    /// that follow (the head's next attempt, hand-offs).
    static func park(_ machine: inout Machine, _ head: Machine.Attempt) -> [Machine.Action] {
        var pending = head.delivery.pending
        pending.attempts = 1
        return machine.written(writes(machine.attemptFinished(head, .retry(pending)))[0].0)
    }

    static func attempts(_ actions: [Machine.Action]) -> [Machine.Attempt] {
        actions.compactMap { if case .deliver(let attempt) = $0 { attempt } else { nil } }
    }

    static func writes(_ actions: [Machine.Action]) -> [(Machine.WriteTicket, Machine.Write)] {
        actions.compactMap { if case .write(let ticket, let write) = $0 { (ticket, write) } else { nil } }
    }

    static func fetch(_ machine: inout Machine, _ partition: TopicPartition, _ offset: Int64, key: String) -> [Machine
        .Action]
    {
        machine.fetched(partition, offset: offset, .deliver(delivery(partition, offset, key: key))).1
    }

    // MARK: Rules, one by one

    @Test func paymentsGoInParallelButOnePaymentOneRecordAtATime() {
        var machine = Self.ready()
        let a0 = Self.attempts(Self.fetch(&machine, Self.p0, 0, key: "A"))
        let b1 = Self.attempts(Self.fetch(&machine, Self.p0, 1, key: "B"))
        let a2 = Self.attempts(Self.fetch(&machine, Self.p0, 2, key: "A"))
        #expect(a0.map(\.delivery.offset) == [0])
        #expect(b1.map(\.delivery.offset) == [1])
        #expect(a2.isEmpty, "A's second record waits for its first")
        let next = Self.attempts(machine.attemptFinished(a0[0], .delivered))
        #expect(next.map(\.delivery.offset) == [2])
        #expect(
            machine.commitPositions() == [TopicPartitionOffset(topic: Self.p0.topic, partition: 0, offset: 1)],
            "offset 1 is still in flight")
    }

    @Test func aRetryParksThePaymentInTheLogAndReleasesOffsetsOnlyOnceAcknowledged() throws {
        var machine = Self.ready()
        let a0 = Self.attempts(Self.fetch(&machine, Self.p0, 0, key: "A"))[0]
        _ = Self.fetch(&machine, Self.p0, 1, key: "A")
        var pending = a0.delivery.pending
        pending.attempts = 1
        pending.due = 5_000
        let writes = Self.writes(machine.attemptFinished(a0, .retry(pending)))
        #expect(writes.count == 1)
        guard case .retryEntry(let written) = writes[0].1 else {
            Issue.record("expected a retry entry")
            return
        }
        #expect(written.attempts == 1 && written.due == 5_000)
        #expect(machine.commitPositions().first?.offset == 0, "nothing released before the broker acknowledged")
        let afterEntry = machine.written(writes[0].0)
        let handOffs = Self.writes(afterEntry)
        #expect(handOffs.count == 1, "the later record of the payment goes to the log too")
        guard case .retryEntry(let follower) = handOffs[0].1 else {
            Issue.record("expected a hand-off")
            return
        }
        #expect(follower.record.offset == 1)
        #expect(Self.attempts(afterEntry).map(\.delivery.pending.due) == [5_000], "the head is tried again when due")
        #expect(
            machine.commitPositions().first?.offset == 1, "the head's offset is released, the follower's is not yet")
        _ = machine.written(handOffs[0].0)
        #expect(machine.commitPositions().first?.offset == 2)
        #expect(machine.parked(in: Self.p0) == 2)
    }

    @Test func aRecordFetchedBehindAParkedPaymentIsHandedOffBeforeItCanBeSent() {
        var machine = Self.ready()
        let a0 = Self.attempts(Self.fetch(&machine, Self.p0, 0, key: "A"))[0]
        var pending = a0.delivery.pending
        pending.attempts = 1
        let entry = Self.writes(machine.attemptFinished(a0, .retry(pending)))[0]
        let retry = Self.attempts(machine.written(entry.0))[0]
        let late = Self.fetch(&machine, Self.p0, 1, key: "A")
        #expect(Self.writes(late).count == 1 && Self.attempts(late).isEmpty)
        let tombstone = Self.writes(machine.attemptFinished(retry, .delivered))
        guard case .tombstone = tombstone.first?.1 else {
            Issue.record("a delivered logged record is tombstoned")
            return
        }
        #expect(
            Self.attempts(machine.written(tombstone[0].0)).isEmpty, "the follower's own entry is not acknowledged yet")
        #expect(Self.attempts(machine.written(Self.writes(late)[0].0)).map(\.delivery.offset) == [1])
    }

    @Test func aLoggedRecordIsDeadLetteredThenTombstonedInThatOrder() {
        var machine = Self.ready()
        var log = Self.delivery(Self.p0, 3, key: "A", attempts: 2)
        log.pending.due = 9
        _ = machine.revoke([Self.p0], lost: true)
        _ = machine.assign([Self.p0])
        let generation = machine.loading[0].generation
        let head = Self.attempts(machine.loaded(Self.p0, generation: generation, entries: [log]))[0]
        let first = Self.writes(machine.attemptFinished(head, .deadLetter(Self.refusal)))
        guard first.count == 1, case .deadLetter = first[0].1 else {
            Issue.record("the dead letter goes first, alone")
            return
        }
        let second = Self.writes(machine.written(first[0].0))
        guard second.count == 1, case .tombstone = second[0].1 else {
            Issue.record("then the tombstone")
            return
        }
        #expect(machine.parked(in: Self.p0) == 1)
        _ = machine.written(second[0].0)
        #expect(machine.parked(in: Self.p0) == 0)
    }

    @Test func theRetryLogLoadsFirstAndRecordsItAlreadyHoldsAreDuplicates() {
        var machine = Machine()
        let pause = machine.assign([Self.p0])
        guard case .pause(let paused) = pause.first else {
            Issue.record("a new partition is paused")
            return
        }
        #expect(paused == [Self.p0])
        // Fetched before the log is loaded: held back.
        #expect(machine.fetched(Self.p0, offset: 4, .deliver(Self.delivery(Self.p0, 4, key: "A"))).1.isEmpty)
        #expect(machine.fetched(Self.p0, offset: 5, .deliver(Self.delivery(Self.p0, 5, key: "A"))).1.isEmpty)
        #expect(machine.fetched(Self.p0, offset: 6, .deliver(Self.delivery(Self.p0, 6, key: "B"))).1.isEmpty)
        let generation = machine.loading[0].generation
        let actions = machine.loaded(
            Self.p0, generation: generation,
            entries: [
                Self.delivery(Self.p0, 2, key: "A", attempts: 1),
                Self.delivery(Self.p0, 4, key: "A"),
            ])
        #expect(Set(Self.attempts(actions).map(\.delivery.offset)) == [2, 6], "the log's head of A first; B at once")
        #expect(Self.writes(actions).count == 1, "offset 5 queues behind A's logged records, in the log")
        #expect(machine.flowControl(waiting: [:]).contains { if case .resume([Self.p0]) = $0 { true } else { false } })
    }

    @Test func revokedPartitionsAreForgottenAndTheirLateEventsIgnored() {
        var machine = Self.ready([Self.p0, Self.p1])
        let a0 = Self.attempts(Self.fetch(&machine, Self.p0, 0, key: "A"))[0]
        _ = Self.fetch(&machine, Self.p0, 1, key: "B")
        let b1 = Self.attempts(machine.attemptFinished(a0, .delivered))
        #expect(b1.isEmpty)
        let revocation = machine.revoke([Self.p0], lost: false)
        #expect(revocation.commit == [TopicPartitionOffset(topic: Self.p0.topic, partition: 0, offset: 1)])
        #expect(machine.revoke([Self.p1], lost: true).commit.isEmpty, "nothing is committed for lost partitions")
        #expect(machine.attemptFinished(a0, .delivered).isEmpty)
        #expect(machine.fetched(Self.p0, offset: 2, .skip).0 == .notAssigned)
        _ = machine.assign([Self.p0])
        #expect(!machine.isCurrent(Self.p0, generation: a0.generation), "a new assignment is a new generation")
    }

    @Test func aFullWindowTakesNoMoreRecordsAndItsWaitingRecordsPauseThePartitionUntilHalfAreTaken() {
        var machine = Self.ready([Self.p0], settings: .init(maxOutstandingPerPartition: 4, maxWaitingPerPartition: 4))
        var heads: [Machine.Attempt] = []
        for offset in 0..<4 { heads += Self.attempts(Self.fetch(&machine, Self.p0, Int64(offset), key: "K\(offset)")) }
        #expect(!machine.canTake(Self.p0), "a full window takes no more records")
        #expect(machine.flowControl(waiting: [Self.p0: 3]).isEmpty, "the consumer reads ahead while few wait")
        #expect(
            machine.flowControl(waiting: [Self.p0: 4]).contains {
                if case .pause([Self.p0]) = $0 { true } else { false }
            })
        _ = machine.attemptFinished(heads[0], .delivered)
        #expect(machine.canTake(Self.p0), "room for one")
        #expect(machine.flowControl(waiting: [Self.p0: 3]).isEmpty, "3 of 4 still wait: still paused")
        #expect(
            machine.flowControl(waiting: [Self.p0: 2]).contains {
                if case .resume([Self.p0]) = $0 { true } else { false }
            },
            "resumed with half still waiting, so they cover the fetch")
    }

    @Test func aRecordFetchedAgainAfterAResumeIsTakenOnce() {
        var machine = Self.ready()
        let first = Self.attempts(Self.fetch(&machine, Self.p0, 0, key: "A"))
        _ = Self.fetch(&machine, Self.p0, 1, key: "B")
        let again = machine.fetched(Self.p0, offset: 0, .deliver(Self.delivery(Self.p0, 0, key: "A")))
        #expect(again.0 == .duplicate && again.1.isEmpty)
        #expect(machine.fetched(Self.p0, offset: 1, .skip).0 == .duplicate)
        _ = machine.attemptFinished(first[0], .delivered)
        #expect(
            machine.commitPositions().first?.offset == 1, "offset 1 is still unfinished: the copy did not finish it")
    }

    @Test func skippedAndUndecodableRecordsFinishWithoutAQueue() {
        var machine = Self.ready()
        _ = machine.fetched(Self.p0, offset: 0, .skip)
        let dead = Self.writes(
            machine.fetched(
                Self.p0, offset: 1,
                .deadLetter(
                    Self.record(Self.p0, 1, key: "A"), tenant: "T1",
                    cause: Self.refusal)
            ).1)
        #expect(machine.commitPositions().first?.offset == 1)
        _ = machine.written(dead[0].0)
        #expect(machine.commitPositions().first?.offset == 2)
    }

    @Test func aHeadTheRetryLogRefusesIsDeadLetteredOversizedAndItsPaymentGoesOn() {
        var machine = Self.ready()
        let a0 = Self.attempts(Self.fetch(&machine, Self.p0, 0, key: "A"))[0]
        _ = Self.fetch(&machine, Self.p0, 1, key: "A")
        var pending = a0.delivery.pending
        pending.attempts = 1
        let entry = Self.writes(machine.attemptFinished(a0, .retry(pending)))[0]
        let dead = Self.writes(machine.writeRefused(entry.0, reason: "MSG_SIZE_TOO_LARGE"))
        guard dead.count == 1, case .deadLetter(_, _, let cause) = dead[0].1 else {
            Issue.record("dead-lettered instead")
            return
        }
        #expect(cause.reason == .oversized && cause.error.contains("MSG_SIZE_TOO_LARGE") && cause.attempts == 1)
        #expect(
            Self.attempts(machine.written(dead[0].0)).map(\.delivery.offset) == [1], "the payment's next record goes on"
        )
        #expect(machine.commitPositions().first?.offset == 1)
    }

    @Test func aRecordTheRetryLogRefusesWaitsInMemoryAndNothingAfterItGoesToTheLog() {
        var machine = Self.ready()
        let a0 = Self.attempts(Self.fetch(&machine, Self.p0, 0, key: "A"))[0]
        _ = Self.fetch(&machine, Self.p0, 1, key: "A")
        _ = Self.fetch(&machine, Self.p0, 2, key: "A")
        var pending = a0.delivery.pending
        pending.attempts = 1
        let entry = Self.writes(machine.attemptFinished(a0, .retry(pending)))[0]
        let afterPark = machine.written(entry.0)
        let handOff = Self.writes(afterPark)
        #expect(handOff.count == 1)
        #expect(
            machine.writeRefused(handOff[0].0, reason: "too large").isEmpty, "offset 2 is not handed off past offset 1")
        #expect(machine.commitPositions().first?.offset == 1, "offset 1 holds its offset in memory")
        let retry = Self.attempts(afterPark)[0]
        let tombstone = Self.writes(machine.attemptFinished(retry, .delivered))[0]
        #expect(
            Self.attempts(machine.written(tombstone.0)).map(\.delivery.offset) == [1], "then it is sent from memory")
    }

    @Test func aLoggedRecordThatNoLongerDecodesIsDeadLetteredInItsTurn() {
        var machine = Machine()
        _ = machine.assign([Self.p0])
        var broken = Self.delivery(Self.p0, 1, key: "A", attempts: 1)
        broken.undeliverable = Self.refusal
        let actions = machine.loaded(
            Self.p0, generation: machine.loading[0].generation,
            entries: [broken, Self.delivery(Self.p0, 2, key: "A")])
        #expect(Self.attempts(actions).isEmpty, "nothing is sent before it")
        let dead = Self.writes(actions)
        guard dead.count == 1, case .deadLetter = dead[0].1 else {
            Issue.record("dead-lettered first")
            return
        }
        let tombstone = Self.writes(machine.written(dead[0].0))
        #expect(
            Self.attempts(machine.written(tombstone[0].0)).map(\.delivery.offset) == [2], "then the payment goes on")
    }

    @Test func aTenantWithTooManyParkedRecordsIsPausedUntilHalfAreLeftWhileOthersFlow() {
        let other = TopicPartition(topic: "payments.responses.partner.T2", partition: 0)
        var machine = Self.ready([Self.p0, other], settings: .init(maxParkedPerTenant: 2, maxParked: 100))
        var parked: [Machine.Attempt] = []
        for (offset, key) in ["A", "B"].enumerated() {
            let head = Self.attempts(Self.fetch(&machine, Self.p0, Int64(offset), key: key))[0]
            parked += Self.attempts(Self.park(&machine, head))
        }
        #expect(machine.parkedInAll == 2)
        let paused = machine.flowControl(waiting: [:])
        #expect(paused.contains { if case .pause([Self.p0]) = $0 { true } else { false } }, "T1 is paused")
        #expect(
            !paused.contains { if case .pause(let list) = $0 { list.contains(other) } else { false } },
            "T2 keeps flowing")
        let tombstone = Self.writes(machine.attemptFinished(parked[0], .delivered))[0]
        _ = machine.written(tombstone.0)
        #expect(
            machine.flowControl(waiting: [:]).contains { if case .resume([Self.p0]) = $0 { true } else { false } },
            "resumed at half")
    }

    @Test func pastTheTotalBudgetOnlyTenantsHoldingParkedRecordsArePaused() {
        let other = TopicPartition(topic: "payments.responses.partner.T2", partition: 0)
        var machine = Self.ready([Self.p0, other], settings: .init(maxParkedPerTenant: 100, maxParked: 1))
        _ = machine.fetched(
            other, offset: 0,
            .deliver(
                QueuedDelivery(
                    tenant: "T2", pending: PendingDelivery(record: Self.record(other, 0, key: "Z")),
                    eventID: "", correlationID: "", body: [])))
        _ = Self.park(&machine, Self.attempts(Self.fetch(&machine, Self.p0, 0, key: "A"))[0])
        let actions = machine.flowControl(waiting: [:])
        #expect(actions.contains { if case .pause([Self.p0]) = $0 { true } else { false } })
        #expect(!actions.contains { if case .pause(let list) = $0 { list.contains(other) } else { false } })
    }

    // MARK: Random interleavings

    /// Random interleavings of fetches, attempt outcomes, acknowledgements, commits, rebalances
    /// (revoked or lost) and crashes against a model of Kafka and the partner.
    @Test func randomInterleavingsKeepOrderOffsetsAndOutcomes() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...9_999).array(of: 20...400)) { script in
            var world = World(seed: script)
            world.run(script)
            world.drain()
            world.checkFinal()
        }
    }
}

/// Kafka and a partner, as the state machine sees them: response partitions holding records of
/// a few payments, a retry log and a DLT that hold what was acknowledged, committed offsets, and
/// a partner whose answer to each record is fixed in advance.
private struct World {
    typealias Machine = DeliveryStateMachine
    enum Fate {
        case deliverAfter(failures: Int)
        case refuse, skip
        case tooLargeForLog(failures: Int)
    }
    struct ID: Hashable {
        var partition: Int32
        var offset: Int64
    }

    let partitions = [DeliveryStateMachineTests.p0, DeliveryStateMachineTests.p1]
    var topic: [TopicPartition: [(key: String, fate: Fate)]] = [:]
    var machine = Machine(
        settings: .init(maxOutstandingPerPartition: 3, maxWaitingPerPartition: 2, maxParkedPerTenant: 2, maxParked: 3))
    var position: [TopicPartition: Int64] = [:]
    var committed: [TopicPartition: Int64] = [:]
    var paused: Set<TopicPartition> = []
    /// Offsets polled but not taken yet (their window was full), per partition: the service's
    /// `WaitingRecords`.
    var waiting: [TopicPartition: [Int64]] = [:]
    var retryLog: [ID: PendingDelivery] = [:]
    var deadLettered: [ID: Int] = [:]
    var delivered: [ID: Int] = [:]
    var attempts: [Machine.Attempt] = []
    var writes: [(Machine.WriteTicket, Machine.Write)] = []
    /// Per generation and payment, the last offset delivered (order within one assignment).
    var lastDelivered: [String: Int64] = [:]
    /// Bumped by every crash (a new process counts generations from the start again).
    var incarnation = 0

    init(seed: [Int]) {
        for (index, partition) in partitions.enumerated() {
            let count = 4 + ((seed.first ?? 0) + index) % 9
            topic[partition] = (0..<count).map { offset in
                let value = seed[(offset * 7 + index) % seed.count]
                let fate: Fate =
                    switch value % 10 {
                    case 0: .refuse
                    case 1: .skip
                    case 2: .deliverAfter(failures: 1 + value % 3)
                    case 3: .tooLargeForLog(failures: value % 2)
                    default: .deliverAfter(failures: 0)
                    }
                return (key: ["A", "B", "C"][(value / 10) % 3], fate: fate)
            }
        }
        assign(partitions)
        for partition in partitions { load(partition) }
    }

    func id(_ record: ConsumerRecord) -> ID { ID(partition: record.partition, offset: record.offset) }

    mutating func run(_ script: [Int]) {
        for choice in script {
            let pick = choice / 10
            switch choice % 10 {
            case 0, 1: fetch(partitions[pick % 2])
            case 2: fetch(partitions[pick % 2], prefetched: true)
            case 3, 4: finishAttempt(pick)
            case 5, 6: acknowledgeWrite(pick)
            case 7: commit()
            case 8: if pick % 3 == 0 { crash() } else { rebalance(lost: pick % 3 == 1) }
            default: for (partition, _) in machine.loading where pick % 2 == 0 { load(partition) }
            }
        }
    }

    /// Runs to quiescence with a partner that answers (fates still apply) and no more faults.
    mutating func drain() {
        for _ in 0..<10_000 {
            for (partition, _) in machine.loading { load(partition) }
            if let partition = partitions.first(where: {
                !paused.contains($0) && position[$0, default: 0] < Int64(topic[$0]!.count)
            }) {
                fetch(partition)
            } else if !writes.isEmpty {
                acknowledgeWrite(0)
            } else if !attempts.isEmpty {
                finishAttempt(0)
            } else {
                let before = waiting.values.map(\.count).reduce(0, +)
                takeWaiting()
                let actions = machine.flowControl(waiting: waitingCounts)
                if actions.isEmpty, waiting.values.map(\.count).reduce(0, +) == before { break }
                perform(actions)
            }
        }
        commit()
    }

    func checkFinal() {
        for partition in partitions {
            #expect(committed[partition] == Int64(topic[partition]!.count), "everything committed on \(partition)")
            for (offset, record) in topic[partition]!.enumerated() {
                let id = ID(partition: partition.partition, offset: Int64(offset))
                switch record.fate {
                case .skip:
                    #expect(delivered[id] == nil && deadLettered[id] == nil)
                case .refuse:
                    #expect(delivered[id] == nil, "\(id) refused, never delivered")
                    #expect(deadLettered[id] != nil, "\(id) dead-lettered")
                case .deliverAfter:
                    #expect(delivered[id] != nil, "\(id) delivered")
                    #expect(deadLettered[id] == nil, "\(id) not dead-lettered")
                case .tooLargeForLog:
                    // Delivered (from memory) or dead-lettered oversized when it could not be parked, never both.
                    #expect((delivered[id] != nil) != (deadLettered[id] != nil), "\(id) ends exactly one way")
                }
            }
        }
        #expect(retryLog.isEmpty, "every retry-log entry resolved: \(retryLog.keys)")
        for partition in partitions { #expect(machine.parked(in: partition) == 0, "the parked count returns to zero") }
    }

    // MARK: Steps

    mutating func perform(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .deliver(let attempt):
                #expect(
                    !attempts.contains {
                        $0.partition == attempt.partition && $0.key == attempt.key
                            && $0.generation == attempt.generation
                    },
                    "one attempt at a time per payment")
                #expect(
                    machine.isCurrent(attempt.partition, generation: attempt.generation),
                    "no action for an old generation")
                attempts.append(attempt)
            case .write(let ticket, let write):
                #expect(
                    machine.isCurrent(ticket.partition, generation: ticket.generation),
                    "no action for an old generation")
                writes.append((ticket, write))
            case .pause(let list): paused.formUnion(list)
            case .resume(let list): paused.subtract(list)
            }
        }
    }

    mutating func assign(_ list: [TopicPartition]) {
        perform(machine.assign(list))
        for partition in list { position[partition] = committed[partition] ?? 0 }
    }

    mutating func load(_ partition: TopicPartition) {
        guard let generation = machine.loading.first(where: { $0.0 == partition })?.generation else { return }
        let entries = retryLog.values.filter { $0.record.topicPartition == partition }.sorted {
            $0.record.offset < $1.record.offset
        }
        .map { QueuedDelivery(tenant: "T1", pending: $0, eventID: "", correlationID: "", body: []) }
        perform(machine.loaded(partition, generation: generation, entries: entries))
        perform(machine.flowControl(waiting: waitingCounts))
    }

    /// `prefetched`: a record the client fetched before the partition was paused. Polled records
    /// wait, in order, until their partition's window has room, as in the service's poll loop.
    /// Each poll (with a record or none) takes what has room and then decides the pauses.
    mutating func fetch(_ partition: TopicPartition, prefetched: Bool = false) {
        let offset = position[partition, default: 0]
        if machine.assigned.contains(partition), prefetched || !paused.contains(partition),
            offset < Int64(topic[partition]!.count)
        {
            position[partition] = offset + 1
            waiting[partition, default: []].append(offset)
        }
        takeWaiting()
        perform(machine.flowControl(waiting: waitingCounts))
    }

    var waitingCounts: [TopicPartition: Int] { waiting.filter { !$0.value.isEmpty }.mapValues(\.count) }

    /// Hands waiting records to the machine while their partition can take them.
    mutating func takeWaiting() {
        for partition in partitions {
            while let offset = waiting[partition]?.first, machine.canTake(partition) {
                waiting[partition]!.removeFirst()
                let entry = topic[partition]![Int(offset)]
                let record = DeliveryStateMachineTests.record(partition, offset, key: entry.key)
                let fetched: Machine.Fetched
                if case .skip = entry.fate {
                    fetched = .skip
                } else {
                    fetched = .deliver(
                        QueuedDelivery(
                            tenant: "T1", pending: PendingDelivery(record: record), eventID: "", correlationID: "",
                            body: []))
                }
                perform(machine.fetched(partition, offset: offset, fetched).1)
            }
        }
    }

    mutating func finishAttempt(_ pick: Int) {
        guard !attempts.isEmpty else { return }
        let attempt = attempts.remove(at: pick % attempts.count)
        let record = attempt.delivery.pending.record
        let outcome: Machine.Outcome
        switch topic[attempt.partition]![Int(record.offset)].fate {
        case .refuse:
            outcome = .deadLetter(DeliveryStateMachineTests.refusal)
        case .deliverAfter(let failures) where attempt.delivery.pending.attempts < failures,
            .tooLargeForLog(let failures) where attempt.delivery.pending.attempts < failures:
            var pending = attempt.delivery.pending
            pending.attempts += 1
            outcome = .retry(pending)
        default:
            outcome = .delivered
            let orderKey = "\(incarnation)/\(attempt.generation)/\(attempt.partition)/\(attempt.key)"
            #expect((lastDelivered[orderKey] ?? -1) < record.offset, "payment order within an assignment")
            lastDelivered[orderKey] = record.offset
            delivered[id(record), default: 0] += 1
        }
        perform(machine.attemptFinished(attempt, outcome))
    }

    func refused(_ write: Machine.Write) -> Bool {
        guard case .retryEntry(let pending) = write,
            case .tooLargeForLog = topic[pending.record.topicPartition]![Int(pending.record.offset)].fate
        else { return false }
        return true
    }

    /// The broker stores a write (any order: each write is of a different record or waits for the previous).
    mutating func land(_ write: Machine.Write) {
        switch write {
        case .retryEntry(let pending): retryLog[id(pending.record)] = pending
        case .tombstone(let pending): retryLog[id(pending.record)] = nil
        case .deadLetter(let record, _, _): deadLettered[id(record), default: 0] += 1
        }
    }

    mutating func acknowledgeWrite(_ pick: Int) {
        guard !writes.isEmpty else { return }
        let (ticket, write) = writes.remove(at: pick % writes.count)
        if case .retryEntry(let pending) = write,
            case .tooLargeForLog = topic[pending.record.topicPartition]![Int(pending.record.offset)].fate
        {
            perform(machine.writeRefused(ticket, reason: "MSG_SIZE_TOO_LARGE"))
            return
        }
        land(write)
        perform(machine.written(ticket))
    }

    mutating func commit() {
        let offsets = machine.commitPositions()
        check(offsets)
        machine.committed(offsets)
    }

    /// The committed position never passes a record that is neither delivered, dead-lettered,
    /// durably in the retry log, nor skipped.
    mutating func check(_ offsets: [TopicPartitionOffset]) {
        for offset in offsets {
            let partition = offset.topicPartition
            for index in Int(committed[partition] ?? 0)..<Int(offset.offset) {
                let id = ID(partition: partition.partition, offset: Int64(index))
                let handled: Bool =
                    switch topic[partition]![index].fate {
                    case .skip: true
                    default: delivered[id] != nil || deadLettered[id] != nil || retryLog[id] != nil
                    }
                #expect(handled, "committed past \(id), which is neither delivered, dead-lettered nor in the retry log")
            }
            committed[partition] = offset.offset
        }
    }

    /// A rebalance: the partitions' workers are cancelled (their attempts and writes end without
    /// telling the machine), the producer is flushed, what was finished is committed (not when
    /// lost), and the partitions come back with a new generation.
    mutating func rebalance(lost: Bool) {
        let revocation = machine.revoke(partitions, lost: lost)
        let stale = attempts
        let staleWrites = writes
        attempts = []
        writes = []
        for (_, write) in staleWrites where !refused(write) { land(write) }
        check(revocation.commit)
        paused = []
        waiting = [:]
        assign(partitions)
        for partition in partitions { load(partition) }
        // Cancelled workers that report after the new assignment began are ignored.
        for attempt in stale {
            #expect(machine.attemptFinished(attempt, .delivered).isEmpty, "late outcome of an old generation ignored")
        }
        for (ticket, _) in staleWrites {
            #expect(machine.written(ticket).isEmpty, "late acknowledgement of an old generation ignored")
        }
    }

    /// A crash: memory is gone; writes in flight may or may not have reached the broker.
    mutating func crash() {
        for (index, (_, write)) in writes.enumerated() where index % 2 == 0 && !refused(write) { land(write) }
        attempts = []
        writes = []
        paused = []
        waiting = [:]
        machine = Machine(settings: machine.settings)
        incarnation += 1
        assign(partitions)
    }
}
