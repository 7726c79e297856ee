/// A JSON value, parsed by `JSONValue.parse` straight from UTF-8 bytes.
///
/// Foundation's JSONSerialization builds Foundation objects and bridges every string; for the
/// bridge's hot path this small parser (RFC 8259, depth-limited) is several times faster.
// Not `indirect`: arrays and dictionaries already live on the heap, and boxing every string and
// number would cost an allocation each.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text as written, so integers are read exactly (`int64`) and decimals as `double`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public struct ParseError: Error, Sendable, Equatable {
        public let message: String
    }

    /// Parses one JSON document. Nesting deeper than `maxDepth` is an error, not a stack overflow.
    public static func parse<Bytes: Collection>(_ bytes: Bytes, maxDepth: Int = 64) throws(ParseError) -> JSONValue
    where Bytes.Element == UInt8 {
        let result: Result<JSONValue, ParseError>? = bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(buffer: UnsafeRawBufferPointer(buffer), maxDepth: maxDepth)
            do throws(ParseError) { return .success(try parser.document()) } catch { return .failure(error) }
        }
        if let result { return try result.get() }
        return try parse(Array(bytes), maxDepth: maxDepth)
    }

    /// Parses a document that must be a JSON object, handing each member to `member` in document
    /// order instead of building a dictionary (a repeated name is handed over again; the last one
    /// should win). Returns false, having checked the whole document, when it is valid JSON but
    /// not an object.
    public static func parseObject(
        _ bytes: [UInt8], maxDepth: Int = 64,
        member: (String, JSONValue) -> Void
    ) throws(ParseError) -> Bool {
        try parseObject(bytes, maxDepth: maxDepth, name: text, member: member)
    }

    /// `parseObject` with each member name first handed to `name` as its UTF-8 bytes (unescaped
    /// and valid), which makes of it what `member` receives: a caller that only wants some names
    /// matches them on the bytes, without a string per member.
    static func parseObject<Name>(
        _ bytes: [UInt8], maxDepth: Int = 64, name: (UnsafeRawBufferPointer) -> Name,
        member: (Name, JSONValue) -> Void
    ) throws(ParseError) -> Bool {
        let result: Result<Bool, ParseError> = bytes.withUnsafeBytes { buffer in
            var parser = JSONParser(buffer: buffer, maxDepth: maxDepth)
            do throws(ParseError) { return .success(try parser.objectDocument(name: name, member: member)) } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The text of a string's bytes, which the parser has checked to be valid UTF-8.
    static func text(_ utf8: UnsafeRawBufferPointer) -> String { String(decoding: utf8, as: UTF8.self) }

    public var int64: Int64? {
        guard case .number(let text) = self else { return nil }
        if let exact = Int64(text) { return exact }
        guard let value = Double(text), value.rounded() == value else { return nil }
        return Int64(exactly: value)
    }

    public var double: Double? {
        guard case .number(let text) = self else { return nil }
        return Double(text)
    }
}

private struct JSONParser {
    let buffer: UnsafeRawBufferPointer
    let maxDepth: Int
    var index = 0

    init(buffer: UnsafeRawBufferPointer, maxDepth: Int) {
        self.buffer = buffer
        self.maxDepth = maxDepth
    }

    mutating func document() throws(JSONValue.ParseError) -> JSONValue {
        let value = try value(depth: 0)
        skipWhitespace()
        guard index == buffer.count else { throw fail("unexpected data after the JSON value") }
        return value
    }

    mutating func objectDocument<Name>(
        name: (UnsafeRawBufferPointer) -> Name, member: (Name, JSONValue) -> Void
    ) throws(JSONValue.ParseError) -> Bool {
        skipWhitespace()
        guard index < buffer.count, buffer[index] == UInt8(ascii: "{") else {
            _ = try document()
            return false
        }
        try members(depth: 1, name: name, member)
        skipWhitespace()
        guard index == buffer.count else { throw fail("unexpected data after the JSON value") }
        return true
    }

    private func fail(_ message: String) -> JSONValue.ParseError {
        JSONValue.ParseError(message: "\(message) at byte \(index)")
    }

    private mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x09, 0x0a, 0x0d: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        skipWhitespace()
        guard index < buffer.count else { throw fail("unexpected end of input") }
        switch buffer[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONValue.ParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw fail("unexpected end of input") }
        for offset in 0..<count where buffer[index + offset] != word.utf8Start[offset] {
            throw fail("invalid literal")
        }
        index += count
    }

    private mutating func object(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        var object: [String: JSONValue] = [:]
        try members(depth: depth, name: JSONValue.text, { name, value in object[name] = value })
        return .object(object)
    }

    /// Reads `{ "name": value, … }` from the opening brace, handing over each member (its name as
    /// `name` makes it of the name's bytes).
    private mutating func members<Name>(
        depth: Int, name: (UnsafeRawBufferPointer) -> Name, _ member: (Name, JSONValue) -> Void
    ) throws(JSONValue.ParseError) {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
        index += 1
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else {
                throw fail("expected a member name")
            }
            let name = try withString(name)
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            member(name, try value(depth: depth))
            skipWhitespace()
            guard index < buffer.count else { throw fail("unexpected end of input") }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if buffer[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func array(depth: Int) throws(JSONValue.ParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try value(depth: depth))
            skipWhitespace()
            guard index < buffer.count else { throw fail("unexpected end of input") }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if buffer[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func number() throws(JSONValue.ParseError) -> JSONValue {
        let start = index
        if buffer[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        let integerDigits = index - integerStart
        guard integerDigits > 0 else { throw fail("invalid number") }
        guard integerDigits == 1 || buffer[integerStart] != UInt8(ascii: "0") else {
            throw fail("leading zero in number")
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
            guard index > fractionStart else { throw fail("invalid number") }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            index += 1
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") {
                index += 1
            }
            let exponentStart = index
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
            guard index > exponentStart else { throw fail("invalid number") }
        }
        return .number(String(decoding: UnsafeRawBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self))
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func string() throws(JSONValue.ParseError) -> String {
        try withString { JSONValue.text($0) }
    }

    /// Reads a string from its opening quote and hands its text to `body` as UTF-8 bytes
    /// (unescaped, and checked to be valid UTF-8).
    /// Whether any of eight bytes (a word loaded from memory) is a quote, a backslash, a control
    /// character or not ASCII. Bytewise tricks without carries between bytes: `x - 0x01…01` and
    /// `~x`, masked with `0x80…80`, have a byte's high bit set where `x` has a zero byte (so `x`
    /// XOR a repeated byte finds that byte), and `x - 0x20…20` likewise where a byte is below 0x20;
    /// bytes ≥ 0x80 are caught by their own high bit (where they make the other tests unreliable).
    private static func needsLook(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5c)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (word | zeroQuote | zeroBackslash | control) & highs != 0
    }

    private mutating func withString<Output>(
        _ body: (UnsafeRawBufferPointer) -> Output
    ) throws(JSONValue.ParseError) -> Output {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes; plain ASCII (the usual case) needs no UTF-8 validation. Stops
        // at the closing quote, a backslash, a control character or the end.
        let count = buffer.count
        var end = index
        var bits: UInt8 = 0
        if let base = buffer.baseAddress {
            // Eight bytes at a time while none of them needs a look; the byte loop finds which does.
            while end &+ 8 <= count, !Self.needsLook(base.loadUnaligned(fromByteOffset: end, as: UInt64.self)) {
                end &+= 8
            }
            while end < count {
                let byte = base.load(fromByteOffset: end, as: UInt8.self)
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                bits |= byte
                end &+= 1
            }
        }
        index = end
        if index < count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: buffer[start..<index])
                index += 1
                if bits >= 0x80, String(validating: slice, as: UTF8.self) == nil {
                    throw fail("invalid UTF-8 in string")
                }
                return body(slice)
            }
            guard byte >= 0x20 else { throw fail("control character in string") }
        }
        var bytes = Array(UnsafeRawBufferPointer(rebasing: buffer[start..<index]))
        while index < buffer.count {
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("invalid UTF-8 in string") }
                return bytes.withUnsafeBytes(body)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < buffer.count else { throw fail("unterminated escape") }
                let escaped = buffer[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(escaped)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0c)
                case UInt8(ascii: "n"): bytes.append(0x0a)
                case UInt8(ascii: "r"): bytes.append(0x0d)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"),
                            buffer[index + 1] == UInt8(ascii: "u")
                        else {
                            throw fail("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("unpaired surrogate")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    bytes.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw fail("invalid escape")
                }
            default:
                guard byte >= 0x20 else { throw fail("control character in string") }
                bytes.append(byte)
                index += 1
            }
        }
        throw fail("unterminated string")
    }

    private mutating func hex4() throws(JSONValue.ParseError) -> UInt32 {
        guard index + 4 <= buffer.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
