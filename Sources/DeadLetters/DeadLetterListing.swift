import Foundation
import Timing

/// A DLT record as `dlt list --json` prints it (one object per line): its coordinates, key and
/// DLT headers; a header that is missing is `null`.
public struct DeadLetterListing: Codable, Sendable, Equatable {
    public var partition: Int32
    public var offset: Int64
    public var key: String?
    public var reason: String?
    public var error: String?
    public var originalTopic: String?
    public var firstAttempt: String?
    public var lastAttempt: String?
    public var httpStatus: Int?
    public var attempts: Int?

    public init(_ entry: DeadLetterEntry) {
        partition = entry.record.partition
        offset = entry.record.offset
        key = entry.key
        reason = entry.reason
        error = entry.error
        originalTopic = entry.originalTopic
        firstAttempt = entry.header(DeadLetterHeader.firstAttempt)
        lastAttempt = entry.header(DeadLetterHeader.lastAttempt)
        httpStatus = entry.httpStatus
        attempts = entry.attempts
    }

    private enum CodingKeys: String, CodingKey {
        case partition, offset, key, reason, error, originalTopic, firstAttempt, lastAttempt, httpStatus, attempts
    }

    // Written by hand so that a missing header is an explicit null, not a missing member.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(partition, forKey: .partition)
        try container.encode(offset, forKey: .offset)
        try container.encode(key, forKey: .key)
        try container.encode(reason, forKey: .reason)
        try container.encode(error, forKey: .error)
        try container.encode(originalTopic, forKey: .originalTopic)
        try container.encode(firstAttempt, forKey: .firstAttempt)
        try container.encode(lastAttempt, forKey: .lastAttempt)
        try container.encode(httpStatus, forKey: .httpStatus)
        try container.encode(attempts, forKey: .attempts)
    }

    /// The listing as one line of JSON (members sorted by name).
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings, numbers and nulls cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The listings as a table for a terminal: partition, offset, key, reason, HTTP status,
    /// attempts and the age of the last attempt.
    public static func table(_ listings: [DeadLetterListing], now: Date = Date()) -> String {
        var rows = [["PARTITION", "OFFSET", "KEY", "REASON", "HTTP", "ATTEMPTS", "AGE"]]
        for listing in listings {
            rows.append([
                String(listing.partition), String(listing.offset), listing.key ?? "-", listing.reason ?? "-",
                listing.httpStatus.map(String.init) ?? "-", listing.attempts.map(String.init) ?? "-",
                DeadLetterEntry.age(from: listing.lastAttempt.flatMap(ISO8601.date), now: now),
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
