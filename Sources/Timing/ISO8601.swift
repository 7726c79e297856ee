import Foundation

/// ISO-8601 date-times as the service writes them (UTC, milliseconds, `Z`: webhook bodies, DLT
/// headers, `dlt show`) and reads them (with or without fractional seconds). Writing is
/// arithmetic on the milliseconds (no formatter: a webhook body is rendered per delivery).
public enum ISO8601 {
    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` (UTC) for milliseconds since the epoch.
    public static func string(milliseconds: Int64) -> String {
        let (seconds, millis) = floorDivision(milliseconds, 1000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        if (0...9999).contains(year) {
            // The usual case, written digit by digit into the string's own storage.
            return String(unsafeUninitializedCapacity: 24) { out in
                func put(_ value: Int64, width: Int, at start: Int, then separator: Character) {
                    var rest = value
                    for index in (start..<start + width).reversed() {
                        out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                        rest /= 10
                    }
                    out[start + width] = separator.asciiValue!
                }
                put(year, width: 4, at: 0, then: "-")
                put(month, width: 2, at: 5, then: "-")
                put(day, width: 2, at: 8, then: "T")
                put(secondOfDay / 3600, width: 2, at: 11, then: ":")
                put(secondOfDay / 60 % 60, width: 2, at: 14, then: ":")
                put(secondOfDay % 60, width: 2, at: 17, then: ".")
                put(millis, width: 3, at: 20, then: "Z")
                return 24
            }
        }
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(millis, 3))Z"
    }

    /// Proleptic Gregorian date of a day count (H. Hinnant's days-from-civil inverse).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` (UTC) of a date, to the millisecond below.
    public static func string(_ date: Date) -> String { string(milliseconds: date.millisecondsSince1970) }

    /// The date of an ISO-8601 date-time with a time zone, with or without fractional seconds.
    public static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}

/// Quotient rounded down and a non-negative remainder (times before 1970 too).
private func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
    let remainder = value % divisor
    return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
}
