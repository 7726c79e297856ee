/// The outcome of a record sent with a token (`KafkaProducer.enqueue(_:token:)`).
public struct DeliveryOutcome: Sendable, Equatable {
    /// The caller's token (at most `UInt.max >> 1`).
    public var token: UInt
    public var partition: Int32
    public var offset: Int64
    /// `nil` when the record was written.
    public var error: KafkaError?
}
