import Foundation
import Timing

/// The `Retry-After` header: delta-seconds or an HTTP-date.
enum RetryAfter {
    static func parse(_ value: String, now: Int64) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(text) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        let milliseconds = Int64(date.timeIntervalSince1970 * 1000) - now
        return .milliseconds(max(0, milliseconds))
    }
}
