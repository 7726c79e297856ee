/// What the demo sends, and so what must come out.
public struct DemoPlan: Sendable, Equatable {
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
