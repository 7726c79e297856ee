/// The librdkafka this process runs on.
public enum KafkaLibrary {
    /// e.g. "2.0.2".
    public static var version: String { RDKafkaLibrary.version }
    /// librdkafka's hex version number, e.g. 0x020002ff for 2.0.2.
    public static var versionNumber: Int { RDKafkaLibrary.versionNumber }
}
