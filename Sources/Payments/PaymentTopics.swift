import Foundation

/// Topic names: every rule that names a topic, and its inverse where a name is read back.
public enum PaymentTopics {
    /// A partner's response topic: `payments.responses.<channel>.<tenantId>`.
    public static func responses(channel: PaymentChannel, tenantId: String) -> String {
        "payments.responses.\(channel.topicFragment).\(tenantId)"
    }

    /// The tenant and channel of a response topic (the inverse of `responses(channel:tenantId:)`);
    /// nil for a topic that is not a response topic.
    public static func route(ofResponses topic: String) -> (tenant: String, channel: PaymentChannel)? {
        let parts = topic.split(separator: ".", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "payments", parts[1] == "responses",
            let channel = PaymentChannel(topicFragment: parts[2])
        else { return nil }
        return (String(parts[3]), channel)
    }

    /// The regular expression subscription of a tenant: its response topic on every channel
    /// (the bridge routes each event by its own channel).
    public static func responsesSubscription(forTenant tenant: String) -> String {
        let channels = PaymentChannel.allCases.map(\.topicFragment).joined(separator: "|")
        let escaped = tenant.replacingOccurrences(of: ".", with: "\\.")
        return "^payments\\.responses\\.(\(channels))\\.\(escaped)$"
    }

    /// The DLT of a topic: `<topic>.DLT`.
    public static func deadLetter(of topic: String) -> String { "\(topic).DLT" }

    /// The topic a DLT belongs to: its name without `.DLT` (nil for a name that is not a DLT's).
    public static func source(ofDeadLetter topic: String) -> String? {
        guard topic.hasSuffix(".DLT"), topic.count > 4 else { return nil }
        return String(topic.dropLast(4))
    }

    /// The webhook sink's retry log, of its consumer group: `<group>.retries`.
    public static func retryLog(ofGroup group: String) -> String { "\(group).retries" }

    /// The webhook sink's attempts topic, of its consumer group: `<group>.attempts`.
    public static func attempts(ofGroup group: String) -> String { "\(group).attempts" }

    /// Kafka's rule for topic names (which tenant ids must also follow).
    public static func isLegalName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 249 && name != "." && name != ".."
            && name.utf8.allSatisfy { isLegalByte($0) }
    }

    static func isLegalByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
