/// What became of one internal event.
public enum EventOutcome: Sendable, Equatable {
    /// A record for the partner.
    case response(PaymentResponse)
    /// An internal-only event type listed in `skipEventTypes` (for example `RoutingDeterminedEvent`): counted, not sent.
    case skipped(eventType: String)
    /// Cannot be turned into a record: dead-lettered with the reason.
    case rejected(EventRejection)
}
