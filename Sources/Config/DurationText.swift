import Foundation
import Timing
import Yams

/// Durations written `500ms`, `5s`, `2m`, `1h` (also `1d`).
public enum DurationText {
    /// The longest duration a setting may have: ten years, in milliseconds.
    public static let longest: Int64 = 3650 * 86_400_000

    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, seconds) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            guard let value = Double(number), value.isFinite, value >= 0, number.first?.isNumber == true,
                value * seconds * 1000 <= Double(longest)
            else { return nil }
            return .milliseconds(Int64((value * seconds * 1000).rounded()))
        }
        return nil
    }

    /// `text` as the duration of setting `key`; the configuration's error, naming the key, when it
    /// is not one, or when it is zero and `allowingZero` is false.
    public static func parse(_ text: String, key: String, allowingZero: Bool = false) throws(ConfigurationError)
        -> Duration
    {
        guard let duration = parse(text) else {
            throw ConfigurationError(
                key: key,
                problem:
                    "expected a duration such as 500ms, 5s, 2m or 1h, up to \(longest / 86_400_000)d, got '\(text)'")
        }
        guard allowingZero || duration > .zero else {
            throw ConfigurationError(key: key, problem: "must be longer than zero, got '\(text)'")
        }
        return duration
    }

    public static func format(_ duration: Duration) -> String {
        let ms = duration.milliseconds
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
