/// What a partner is told about a payment: the `PaymentResponse` record of the contract.
public struct PaymentResponse: Sendable, Equatable {
    public var eventId: String
    public var eventType: PaymentEventType
    public var paymentId: String
    public var tenantId: String
    public var customerId: String
    public var status: PaymentStatus
    public var amount: Double
    public var currency: String
    public var debtorAccount: String
    public var creditorAccount: String
    public var clearingSystem: String?
    public var clearingReference: String?
    public var failureReason: String?
    public var failureCode: String?
    /// Milliseconds since the epoch (UTC).
    public var timestamp: Int64
    public var correlationId: String
    public var idempotencyKey: String
    public var metadata: [String: String]
    /// Of a compliance hold: why it is held (`ComplianceSubReason`'s values).
    public var subReason: String?
    /// Of a compliance hold, optionally: what the partner or customer has to do (free text).
    public var requiredAction: String?
    /// Not part of the record: where it goes.
    public var channel: PaymentChannel

    public init(
        eventId: String, eventType: PaymentEventType, paymentId: String, tenantId: String, customerId: String,
        status: PaymentStatus, amount: Double, currency: String, debtorAccount: String, creditorAccount: String,
        clearingSystem: String?, clearingReference: String?, failureReason: String?, failureCode: String?,
        timestamp: Int64, correlationId: String, idempotencyKey: String, metadata: [String: String],
        channel: PaymentChannel, subReason: String? = nil, requiredAction: String? = nil
    ) {
        self.eventId = eventId
        self.eventType = eventType
        self.paymentId = paymentId
        self.tenantId = tenantId
        self.customerId = customerId
        self.status = status
        self.amount = amount
        self.currency = currency
        self.debtorAccount = debtorAccount
        self.creditorAccount = creditorAccount
        self.clearingSystem = clearingSystem
        self.clearingReference = clearingReference
        self.failureReason = failureReason
        self.failureCode = failureCode
        self.timestamp = timestamp
        self.correlationId = correlationId
        self.idempotencyKey = idempotencyKey
        self.metadata = metadata
        self.channel = channel
        self.subReason = subReason
        self.requiredAction = requiredAction
    }

    /// The partner's topic: `payments.responses.<channel>.<tenantId>`.
    public var topic: String { PaymentTopics.responses(channel: channel, tenantId: tenantId) }
}
