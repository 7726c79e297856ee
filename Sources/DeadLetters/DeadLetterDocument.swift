import Foundation
import Kafka
import Payments
import Timing

/// One DLT record as `dlt show` prints it: coordinates, timestamp, key, every header as a
/// `[name, value]` pair, and the value as JSON (see `DeadLetterTool.show`).
public struct DeadLetterDocument: Encodable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// ISO-8601 UTC with milliseconds.
    public var timestamp: String?
    public var key: String?
    /// Header values as text, `base64:…` when they are not UTF-8, null when absent.
    public var headers: [[String?]]
    public var value: JSONValue

    public init(_ entry: DeadLetterEntry, value: JSONValue) {
        let record = entry.record
        topic = record.topic
        partition = record.partition
        offset = record.offset
        timestamp = record.timestamp.map(ISO8601.string(milliseconds:))
        key = entry.key
        headers = record.headers.map { [$0.name, Self.text($0.value)] }
        self.value = value
    }

    /// Bytes as text: the text when they are UTF-8, else `base64:…`; nil stays nil.
    public static func text(_ bytes: [UInt8]?) -> String? {
        guard let bytes else { return nil }
        return String(validating: bytes, as: UTF8.self) ?? "base64:" + Data(bytes).base64EncodedString()
    }

    private enum CodingKeys: String, CodingKey { case topic, partition, offset, timestamp, key, headers, value }

    // Written by hand so that a missing timestamp or key is an explicit null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(topic, forKey: .topic)
        try container.encode(partition, forKey: .partition)
        try container.encode(offset, forKey: .offset)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encode(key, forKey: .key)
        try container.encode(headers, forKey: .headers)
        try container.encode(value, forKey: .value)
    }

    /// The document as indented JSON (members sorted by name).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
