/// What readiness depends on; the service reports it, the admin surface serves it.
public struct Readiness: Sendable {
    public var isReady: Bool
    /// Why the service is not ready (empty when ready).
    public var reasons: [String]

    public init(isReady: Bool, reasons: [String] = []) {
        self.isReady = isReady
        self.reasons = reasons
    }
}
