import CRdKafka

enum RDKafkaLibrary {
    /// The version of the librdkafka the process loaded (which may be newer than the headers).
    static var version: String { String(cString: rd_kafka_version_str()) }
    static var versionNumber: Int { Int(rd_kafka_version()) }
}
