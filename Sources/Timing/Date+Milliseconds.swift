import Foundation

extension Date {
    /// The instant `milliseconds` after 1970-01-01T00:00:00Z (Kafka's and Avro's timestamps).
    public init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z, rounded down.
    public var millisecondsSince1970: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded(.down))
    }
}
