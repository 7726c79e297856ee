/// The digits of a decimal as written (`+12.50`, or a JSON number such as `1.5e3`), counted on
/// the text rather than on the double it rounds to. Leading zeros and trailing zeros of the
/// fraction do not count: `0012.50` has 3 significant digits, 2 before the point and 1 after.
struct DecimalDigits {
    var isNegative = false
    /// From the first non-zero digit to the last; 0 for zero.
    var significant = 0
    /// Before the decimal point once the exponent is applied (`1e3` has 4, `0.5` none).
    var beforePoint = 0
    /// After the decimal point once the exponent is applied (`1e-3` has 3, `1.50` one).
    var afterPoint = 0

    /// Nil unless `text` is `[+-]digits[.digits]`, followed by `[eE][+-]digits` when `allowingExponent`.
    init?(_ text: String, allowingExponent: Bool) {
        var text = text
        guard let digits = text.withUTF8({ Self.read($0, allowingExponent: allowingExponent) }) else { return nil }
        self = digits
    }

    private init() {}

    private static func read(_ bytes: UnsafeBufferPointer<UInt8>, allowingExponent: Bool) -> DecimalDigits? {
        var index = 0
        func skipDigits() -> Range<Int> {
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return start..<index
        }
        func skipSign() -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") else {
                return false
            }
            index += 1
            return bytes[index - 1] == UInt8(ascii: "-")
        }
        var result = DecimalDigits()
        result.isNegative = skipSign()
        let integer = skipDigits()
        guard !integer.isEmpty else { return nil }
        var fraction = index..<index
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fraction = skipDigits()
            guard !fraction.isEmpty else { return nil }
        }
        var exponent = 0
        if allowingExponent, index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")
        {
            index += 1
            let negative = skipSign()
            let digits = skipDigits()
            guard !digits.isEmpty else { return nil }
            // Saturates far beyond any limit: `1e99999999999999999999` only needs to be known as huge.
            for position in digits {
                exponent = min(exponent * 10 + Int(bytes[position] - UInt8(ascii: "0")), 1_000_000)
            }
            if negative { exponent = -exponent }
        }
        guard index == bytes.count else { return nil }
        // Positions count the mantissa's digits (integer, then fraction) from 0; the point sits
        // after `integer.count` of them, moved by the exponent.
        var first: Int?
        var last = 0
        var position = 0
        for byteIndex in [integer, fraction].joined() {
            if bytes[byteIndex] != UInt8(ascii: "0") {
                if first == nil { first = position }
                last = position
            }
            position += 1
        }
        guard let first else { return result }
        let point = integer.count + exponent
        result.significant = last - first + 1
        result.beforePoint = max(0, point - first)
        result.afterPoint = max(0, last + 1 - point)
        return result
    }
}
