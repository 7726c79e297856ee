/// The librdkafka this process runs on.
public enum KafkaLibrary {
    /// e.g. "2.0.2".
    public static var version: String { RDKafkaLibrary.version }
    /// librdkafka's hex version number, e.g. 0x020002ff for 2.0.2.
    public static var versionNumber: Int { RDKafkaLibrary.versionNumber }

    /// What this service cannot do as well on the librdkafka it runs on, for an operator to read
    /// at start-up (empty on 2.3.0 and later).
    public static var knownIssues: [String] { knownIssues(versionNumber: versionNumber) }

    /// The known issues of the librdkafka with this hex version number.
    public static func knownIssues(versionNumber: Int) -> [String] {
        var issues: [String] = []
        if versionNumber < 0x0201_0000 {
            issues.append(
                "before 2.1.0 there is no fetch.queue.backoff.ms: a consumer whose prefetch queue filled rests "
                    + "for up to a second (the bridge ran 20-40 % slower)")
        }
        if versionNumber < 0x0202_0000 {
            issues.append(
                "before 2.2.0 brokers whose ApiVersions response carries tagged fields (such as Tansu) cannot "
                    + "be read (\"Read underflow\")")
        }
        if versionNumber < 0x0203_0000 {
            issues.append(
                "before 2.3.0 a cooperative-sticky consumer closed before its first assignment aborts the process "
                    + "(librdkafka issue #4312): the eager range assignor is used, so every rebalance revokes every partition"
            )
        }
        return issues
    }
}
