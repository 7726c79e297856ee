import Kafka

/// The DLT copy of a record, made smaller each time Kafka refuses it as too large: first
/// without the original value, then also without the original headers, each refusal noted in
/// `dlt.error`. The coordinates and the reason always remain. The bridge and the webhook sink
/// write their dead letters through it.
public struct DeadLetterCopy: Sendable {
    public private(set) var original: ConsumerRecord
    public private(set) var cause: DeadLetterCause
    public let consumerGroup: String

    public init(of original: ConsumerRecord, cause: DeadLetterCause, consumerGroup: String) {
        self.original = original
        self.cause = cause
        self.consumerGroup = consumerGroup
    }

    /// The record to write now.
    public var record: ProducerRecord { DeadLetter.record(for: original, cause: cause, consumerGroup: consumerGroup) }

    /// Leaves the original value out (noting it, and why when `reason` is given), as when Kafka
    /// refused it before.
    public mutating func dropValue(because reason: String? = nil) {
        guard original.value != nil else { return }
        cause.error +=
            " (the original value of \(original.value?.count ?? 0) bytes is not kept\(reason.map { ": \($0)" } ?? ""))"
        original.value = nil
    }

    /// After Kafka refused `record` for `reason`: makes the next smaller copy; false when there
    /// is nothing left to leave out.
    public mutating func shorten(refusedBecause reason: String) -> Bool {
        if original.value != nil {
            dropValue(because: reason)
            return true
        }
        guard !original.headers.isEmpty else { return false }
        cause.error += " (nor its \(original.headers.count) original headers: \(reason))"
        original.headers = []
        return true
    }
}
