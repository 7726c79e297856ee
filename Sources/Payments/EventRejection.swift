/// Why an internal event cannot become a `PaymentResponse`; the `reason` is the `dlt.reason` header.
public struct EventRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        case invalidEvent = "invalid_event"
        case unknownTenant = "unknown_tenant"
        case oversized
    }

    public let reason: Reason
    /// Human-readable; names the field and the problem, never the record's payload.
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }

    static func invalid(_ message: String) -> EventRejection { EventRejection(.invalidEvent, message) }
}
