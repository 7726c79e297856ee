import CRdKafka

/// An error reported by librdkafka or by this wrapper, with librdkafka's own classification.
///
/// `code` is librdkafka's `rd_kafka_resp_err_t` value: negative values are client-side
/// (`_QUEUE_FULL`, `_TIMED_OUT`, `_FENCED`, …), positive ones are Kafka protocol errors.
public struct KafkaError: Error, Sendable, CustomStringConvertible, Equatable {
    public let code: KafkaErrorCode
    /// librdkafka's message, or this wrapper's.
    public let message: String
    /// The operation may succeed if retried as it is.
    public let isRetriable: Bool
    /// The producer or consumer instance is unusable; it must be closed (e.g. a fenced producer).
    public let isFatal: Bool
    /// The current transaction must be aborted before anything else is done.
    public let requiresAbort: Bool

    public init(
        code: KafkaErrorCode, message: String, isRetriable: Bool = false, isFatal: Bool = false,
        requiresAbort: Bool = false
    ) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.requiresAbort = requiresAbort
    }

    /// The error librdkafka reports as `code`: librdkafka's description of it (after `context`),
    /// marked retriable where this module counts the code as retriable. For modules that call
    /// librdkafka directly (the embedded cluster's mock API).
    public init(librdkafka code: KafkaErrorCode, context: String? = nil) {
        self = RDKafkaErrors.error(rd_kafka_resp_err_t(rawValue: code.rawValue), context)
    }

    public var description: String {
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if requiresAbort { flags.append("abort required") }
        if isRetriable { flags.append("retriable") }
        let suffix = flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]"
        return "Kafka error \(code.name): \(message)\(suffix)"
    }

    /// How a transactional caller should react to this error.
    public enum Classification: String, Sendable {
        case retriable
        case requiresAbort = "requires_abort"
        case fatal, other
    }

    public var classification: Classification {
        if isFatal { return .fatal }
        if requiresAbort { return .requiresAbort }
        if isRetriable { return .retriable }
        return .other
    }

    /// Kafka (or librdkafka, before sending) will never take this record as it is: too large,
    /// or not a valid record. Sending it again fails the same way; it is the record's problem,
    /// not the connection's.
    public var refusesRecord: Bool {
        [KafkaErrorCode.messageTooLarge, .recordListTooLarge, .invalidRecord, .invalidArgument].contains(code)
    }

    static func configuration(_ message: String) -> KafkaError {
        KafkaError(code: .invalidArgument, message: message)
    }
}
