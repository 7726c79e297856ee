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
        let result: Result<Bool, ParseError> = bytes.withUnsafeBytes { buffer in
            var parser = JSONParser(buffer: buffer, maxDepth: maxDepth)
            do throws(ParseError) { return .success(try parser.objectDocument(member: member)) } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

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

    mutating func objectDocument(member: (String, JSONValue) -> Void) throws(JSONValue.ParseError) -> Bool {
        skipWhitespace()
        guard index < buffer.count, buffer[index] == UInt8(ascii: "{") else {
            _ = try document()
            return false
        }
        try members(depth: 1, member)
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
        try members(depth: depth) { name, value in object[name] = value }
        return .object(object)
    }

    /// Reads `{ "name": value, … }` from the opening brace, handing over each member.
    private mutating func members(depth: Int, _ member: (String, JSONValue) -> Void) throws(JSONValue.ParseError) {
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
            let name = try string()
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
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes; plain ASCII (the usual case) needs no UTF-8 validation.
        var ascii = true
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: buffer[start..<index])
                index += 1
                if ascii { return String(decoding: slice, as: UTF8.self) }
                guard let text = String(validating: slice, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
                return text
            }
            ascii = ascii && byte < 0x80
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail("control character in string") }
            index += 1
        }
        var bytes = Array(UnsafeRawBufferPointer(rebasing: buffer[start..<index]))
        while index < buffer.count {
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
                return text
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
