import Foundation

/// What went wrong with a record, to be told in its DLT headers.
public struct DeadLetterCause: Sendable {
    public var reason: DeadLetterReason
    /// Human-readable; must not contain secrets or the record's payload.
    public var error: String
    public var httpStatus: Int?
    public var attempts: Int
    public var firstAttempt: Date
    public var lastAttempt: Date

    public init(
        reason: DeadLetterReason, error: String, httpStatus: Int? = nil, attempts: Int = 1,
        firstAttempt: Date = Date(), lastAttempt: Date? = nil
    ) {
        self.reason = reason
        self.error = error
        self.httpStatus = httpStatus
        self.attempts = attempts
        self.firstAttempt = firstAttempt
        self.lastAttempt = lastAttempt ?? firstAttempt
    }
}
