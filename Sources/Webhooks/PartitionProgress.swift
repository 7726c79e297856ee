import Kafka
import Payments

/// One record in a payment's queue: the pending delivery plus its rendered body.
struct QueuedDelivery: Sendable {
    /// The tenant whose topic the record came from.
    var tenant: String
    var pending: PendingDelivery
    /// What a request needs of the decoded response (the whole record is not kept: queues copy
    /// their items, and every string kept is one more reference to count per copy).
    var eventID: String
    var correlationID: String
    var body: [UInt8]
    /// The main-topic offset this record still holds in its partition's window (nil once it was
    /// delivered, dead-lettered or durably handed off to the retry log).
    var holdsOffset: Bool
    /// Whether the retry log holds its entry (a tombstone is then due when it is resolved).
    var inLog: Bool
    /// Someone is writing its retry-log entry right now.
    var handingOff = false

    /// A record read from a response topic (`inLog` false: it holds its offset) or from the retry log.
    init(tenant: String, pending: PendingDelivery, response: PaymentResponse, inLog: Bool) {
        self.tenant = tenant
        self.pending = pending
        eventID = response.eventId
        correlationID = response.correlationId
        body = WebhookBody.render(response)
        holdsOffset = !inLog
        self.inLog = inLog
    }
}

/// An assigned response partition: the window of records read but not yet finished (what may be
/// committed), and the queue of each payment in it.
struct PartitionProgress: Sendable {
    let generation: Int
    private(set) var offsets: [Int64] = []
    private(set) var done: [Bool] = []
    private var start = 0
    /// Offset after the last record read.
    private(set) var nextOffset: Int64?
    /// The last committed position.
    var committed: Int64?
    var queues: [String: [QueuedDelivery]] = [:]
    /// Keys whose worker is running.
    var active: Set<String> = []
    /// Per payment key, the highest original offset that is (or was, at load) in the retry log:
    /// a main record at or below it was already handled before a restart or rebalance.
    var loggedUpTo: [String: Int64] = [:]
    var paused = false

    init(generation: Int) { self.generation = generation }

    /// Records read and not yet finished.
    var outstanding: Int { offsets.count - start }

    mutating func read(_ offset: Int64) {
        offsets.append(offset)
        done.append(false)
        nextOffset = offset + 1
    }

    mutating func finish(_ offset: Int64) {
        var low = start, high = offsets.count
        while low < high {
            let mid = (low + high) / 2
            if offsets[mid] < offset { low = mid + 1 } else { high = mid }
        }
        guard low < offsets.count, offsets[low] == offset else { return }
        done[low] = true
        while start < offsets.count, done[start] { start += 1 }
        if start > 4096 {
            offsets.removeFirst(start)
            done.removeFirst(start)
            start = 0
        }
    }

    /// Where the group may resume: the first unfinished record, or after the last one read.
    var commitPosition: Int64? {
        start < offsets.count ? offsets[start] : nextOffset
    }

    enum Enqueued { case duplicate, queued, startWorker, handOff }

    /// Adds a record read from the main topic to its payment's queue. A record at or below what
    /// the retry log already holds for the payment was handled before (it is a duplicate); behind
    /// a parked payment it must be handed off to the retry log too.
    mutating func enqueue(_ item: inout QueuedDelivery, key: String) -> Enqueued {
        if let logged = loggedUpTo[key], item.pending.record.offset <= logged { return .duplicate }
        let parked = isParked(key)
        item.handingOff = parked
        queues[key, default: []].append(item)
        if parked { return .handOff }
        if active.contains(key) { return .queued }
        active.insert(key)
        return .startWorker
    }

    /// Whether the key's queue starts with a record in the retry log (later ones must queue up
    /// behind it there too).
    func isParked(_ key: String) -> Bool { queues[key]?.first?.inLog == true }
}
