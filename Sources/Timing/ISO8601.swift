import Foundation

/// ISO-8601 date-times as the service writes them (UTC, milliseconds, `Z`) and reads them
/// (with or without fractional seconds).
public enum ISO8601 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    public static func string(_ date: Date) -> String { date.formatted(withFraction) }

    public static func string(milliseconds: Int64) -> String { string(Date(milliseconds: milliseconds)) }

    public static func date(_ text: String) -> Date? {
        (try? withFraction.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
