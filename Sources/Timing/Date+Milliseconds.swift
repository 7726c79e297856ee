import Foundation

extension Date {
    /// The instant `milliseconds` after 1970-01-01T00:00:00Z (Kafka's and Avro's timestamps).
    public init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z, rounded down (to the microsecond first, so that
    /// a date made from milliseconds gives them back despite binary fractions).
    public var millisecondsSince1970: Int64 {
        let microseconds = Int64((timeIntervalSince1970 * 1_000_000).rounded())
        let remainder = microseconds % 1000
        return microseconds / 1000 - (remainder < 0 ? 1 : 0)
    }
}
