import Foundation
import Kafka
import Timing

/// A record read from a DLT, with its DLT headers made readable.
public struct DeadLetterEntry: Sendable {
    public let record: ConsumerRecord

    public init(_ record: ConsumerRecord) { self.record = record }

    /// The last value of a header (the DLT headers of the latest dead-lettering win).
    public func header(_ name: String) -> String? { record.headers.last(named: name)?.stringValue }

    public var key: String? { record.key.map { String(decoding: $0, as: UTF8.self) } }
    public var reason: String? { header(DeadLetterHeader.reason) }
    public var error: String? { header(DeadLetterHeader.error) }
    public var httpStatus: Int? { header(DeadLetterHeader.httpStatus).flatMap { Int($0) } }
    public var attempts: Int? { header(DeadLetterHeader.attempts).flatMap { Int($0) } }
    public var originalTopic: String? { header(DeadLetterHeader.originalTopic) }
    /// When the first delivery attempt was made.
    public var firstAttempt: Date? { header(DeadLetterHeader.firstAttempt).flatMap(ISO8601.date) }
    /// When the record was dead-lettered (its last attempt).
    public var lastAttempt: Date? { header(DeadLetterHeader.lastAttempt).flatMap(ISO8601.date) }
    /// `<dlt topic>/<partition>/<offset>`: what `dlt.replayed.from` says of a replayed record.
    public var coordinates: String { "\(record.topic)/\(record.partition)/\(record.offset)" }

    /// The headers the record carried before it was dead-lettered (the last time), without an
    /// earlier `dlt.replayed.from`.
    public var originalHeaders: [KafkaHeader] {
        let headers = record.headers
        let start = headers.lastIndex { $0.name == DeadLetterHeader.originalTopic } ?? headers.endIndex
        return headers[..<start].filter { $0.name != DeadLetterHeader.replayedFrom }
    }

    /// "45s", "12m", "3h", "2d".
    public static func age(from date: Date?, now: Date = Date()) -> String {
        guard let date else { return "-" }
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m"
        case ..<86_400: return "\(seconds / 3600)h"
        default: return "\(seconds / 86_400)d"
        }
    }
}
