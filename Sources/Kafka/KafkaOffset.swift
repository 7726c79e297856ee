/// Logical offsets for `KafkaConsumer.assign(_:)` and `seek(_:)`.
public enum KafkaOffset {
    /// The oldest record still in the partition.
    public static let beginning: Int64 = -2
    /// The next record to be written.
    public static let end: Int64 = -1
}
