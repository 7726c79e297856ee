import Foundation
import TestSupport
import Testing
import Timing

@Suite("Time helpers")
struct TimingTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(-1), "1969-12-31T23:59:59.999Z"),
        (Int64(951_782_400_000), "2000-02-29T00:00:00.000Z"),
        (Int64(1_764_000_000_123), "2025-11-24T16:00:00.123Z"),
        (Int64(4_102_444_799_999), "2099-12-31T23:59:59.999Z"),
        // Years written with leading zeros, and the ends of four-digit years (proleptic Gregorian).
        (Int64(-62_167_219_200_000), "0000-01-01T00:00:00.000Z"),
        (Int64(-62_135_596_800_000), "0001-01-01T00:00:00.000Z"),
        (Int64(-30_610_224_000_001), "0999-12-31T23:59:59.999Z"),
        (Int64(-30_610_224_000_000), "1000-01-01T00:00:00.000Z"),
        (Int64(253_402_300_799_999), "9999-12-31T23:59:59.999Z"),
        (Int64(253_402_300_800_000), "10000-01-01T00:00:00.000Z"),
    ])
    func writesISO8601UTCWithMilliseconds(milliseconds: Int64, expected: String) {
        #expect(ISO8601.string(milliseconds: milliseconds) == expected)
        #expect(ISO8601.string(Date(milliseconds: milliseconds)) == expected)
    }

    @Test("it writes what Foundation's ISO-8601 format writes, from 1600 to 9999")
    func matchesFoundation() {
        let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var random = SplitMix(seed: 20_261_205)  // the same values in every run
        for _ in 0..<5000 {
            // Whole seconds through Foundation (a Double's fraction can round the milliseconds off by one).
            let seconds = Int64.random(in: -11_676_096_000...253_402_300_799, using: &random)
            let millis = Int64.random(in: 0...999, using: &random)
            let expected = format.format(Date(timeIntervalSince1970: Double(seconds)))
                .replacingOccurrences(of: ".000Z", with: "." + String(1000 + millis).dropFirst() + "Z")
            #expect(ISO8601.string(milliseconds: seconds * 1000 + millis) == expected, "\(seconds), \(millis)")
        }
    }

    @Test("what it writes it reads back; it also reads other offsets and no fraction")
    func readsISO8601() throws {
        for milliseconds: Int64 in [0, 951_782_400_000, 1_764_000_000_123, 4_102_444_799_999] {
            #expect(
                try #require(ISO8601.date(ISO8601.string(milliseconds: milliseconds))).millisecondsSince1970
                    == milliseconds)
        }
        #expect(ISO8601.date("2025-11-24T17:00:00+01:00")?.millisecondsSince1970 == 1_764_000_000_000)
        #expect(ISO8601.date("2025-11-24 16:00") == nil)
    }

    @Test("durations in milliseconds drop sub-millisecond parts; in seconds they keep fractions")
    func durations() {
        #expect(Duration.seconds(90).milliseconds == 90_000)
        #expect((Duration.milliseconds(1500) + .microseconds(999)).milliseconds == 1500)
        #expect(Duration.milliseconds(-250).milliseconds == -250)
        #expect(Duration.milliseconds(1500).inSeconds == 1.5)
    }

    @Test("back-off doubles from the first delay up to the largest, and shows what comes next")
    func backoff() {
        var backoff = Backoff(first: .milliseconds(200), max: .seconds(1))
        #expect(backoff.upcoming == .milliseconds(200))
        #expect(
            (0..<5).map { _ in backoff.next() } == [
                .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
            ])
        #expect(backoff.upcoming == .seconds(1))
    }
}
