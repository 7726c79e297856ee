import Payments

/// A payment as its tenant sees it: the latest status, every event so far, and (for a webhook
/// tenant) how delivery went.
public struct PaymentState: Sendable, Equatable {
    public struct Event: Sendable, Equatable {
        public var eventType: String
        public var status: String
        public var subReason: String?
        public var timestamp: Int64
    }

    public var paymentId: String
    public var tenant: String
    public var status: String
    public var eventType: String
    public var subReason: String?
    /// The latest event's time, milliseconds since the epoch.
    public var updatedAt: Int64
    public var history: [Event]
    /// Nil when the sink has not handled any of the payment's records (a Kafka-delivery tenant).
    public var delivery: DeliverySummary?
}

/// How the webhook delivery of a payment's latest deliverable record went.
public struct DeliverySummary: Sendable, Equatable {
    public enum State: String, Sendable {
        case delivered
        case pending
        case deadLettered = "dead_lettered"
    }

    public var state: State
    /// Requests sent for the payment's records.
    public var attempts: Int
    public var lastAttemptAt: Int64?
    public var lastHttpStatus: Int?

    public init(state: State, attempts: Int, lastAttemptAt: Int64?, lastHttpStatus: Int?) {
        self.state = state
        self.attempts = attempts
        self.lastAttemptAt = lastAttemptAt
        self.lastHttpStatus = lastHttpStatus
    }

    /// From a payment's trace: nil when the sink has no attempt and no dead letter for it.
    init?(_ trace: PaymentTrace) {
        let logged = trace.attempts.map(\.attempt)
        guard !logged.isEmpty || !trace.deadLetters.isEmpty else { return nil }
        let requests = logged.filter(\.isRequest)
        attempts = requests.count
        lastAttemptAt = requests.last?.sentAt
        lastHttpStatus = requests.last?.httpStatus
        // The latest event the sink did not filter out decides; its copies (a resend, a DLT
        // replay) are the same event, so attempts and dead letters are matched by eventId.
        let filtered = Set(logged.filter { $0.outcome == .filtered }.map(\.eventId))
        guard let latest = trace.records.last(where: { !filtered.contains($0.eventId) }) else {
            state = .delivered
            return
        }
        let attempts = logged.filter { $0.eventId == latest.eventId }
        if attempts.contains(where: { $0.outcome == .delivered }) {
            state = .delivered
        } else if trace.deadLetters.contains(where: { $0.eventId == latest.eventId || $0.original == latest.position })
            || attempts.contains(where: { [.deadLettered, .blocked].contains($0.outcome) })
        {
            state = .deadLettered
        } else {
            state = .pending
        }
    }
}

/// Everything the view holds about one payment (over all tenants, or one).
public struct PaymentTrace: Sendable, Equatable {
    public var paymentId: String
    public var records: [ResponseEntry]
    public var attempts: [AttemptEntry]
    public var deadLetters: [DeadLetterEntry]
}

extension DeliveryAttempt {
    /// Whether a request was sent (not a decision taken without one).
    var isRequest: Bool {
        attempt > 0 && outcome != .filtered && outcome != .skippedByBreaker && errorClass != .disabled
            && errorClass != .blocked && errorClass != .unsendable
    }
}
