import Foundation
import Payments
import Testing

@Suite("JSON parser")
struct JSONValueTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test("objects, arrays, literals and numbers")
    func structure() throws {
        let value = try parse(#" { "a" : [1, -2.5e3, true, false, null, {}], "b": {"c": "d"}, "e": [] } "#)
        #expect(
            value
                == .object([
                    "a": .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .object([:])]),
                    "b": .object(["c": .string("d")]), "e": .array([]),
                ]))
        #expect(try parse("1764000000123").int64 == 1_764_000_000_123)
        #expect(try parse("1234.56").double == 1234.56)
        #expect(try parse("1.5").int64 == nil)
    }

    @Test("string escapes, unicode and surrogate pairs")
    func strings() throws {
        #expect(try parse(#""a\"b\\c\/d\n\t\r\b\f""#) == .string("a\"b\\c/d\n\t\r\u{08}\u{0c}"))
        #expect(try parse(#""\u00e9\u4e2d\ud83d\ude00""#) == .string("é中😀"))
        #expect(try parse("\"Ünïcødé ✓\"") == .string("Ünïcødé ✓"))
    }

    @Test("agrees with Foundation on a realistic event")
    func agreesWithFoundation() throws {
        let text =
            #"{"eventId":"6f1c2a9e-1111-4a7b-9c1d-000000000001","amount":"12.50","metadata":{"k":"v \"q\" \u00e9"},"n":[1,2]}"#
        let ours = try parse(text)
        let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        guard case .object(let object) = ours else {
            Issue.record("not an object")
            return
        }
        #expect(object["eventId"] == .string(foundation["eventId"] as! String))
        #expect(object["metadata"] == .object(["k": .string((foundation["metadata"] as! [String: String])["k"]!)]))
    }

    @Test(
        "malformed documents are errors",
        arguments: [
            "", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", "-", "1e", "tru", "nul", "\"abc",
            "\"\\x\"", "\"\\ud83d\"", "\"\\udc00x\"", "\"a\u{01}b\"", "[1] 2", "NaN", "'a'",
        ])
    func malformed(text: String) {
        #expect(throws: JSONValue.ParseError.self) { try parse(text) }
    }

    @Test("invalid UTF-8 and deep nesting are errors, not crashes")
    func hostile() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse([0x22, 0xff, 0xfe, 0x22]) }
        #expect(throws: JSONValue.ParseError.self) {
            try JSONValue.parse(Array(String(repeating: "[", count: 100_000).utf8))
        }
        #expect(throws: JSONValue.ParseError.self) {
            try JSONValue.parse(
                Array((String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)).utf8))
        }
        #expect(
            (try? JSONValue.parse(
                Array((String(repeating: "{\"a\":", count: 64) + "1" + String(repeating: "}", count: 64)).utf8))) != nil
        )
    }

    @Test("parseObject hands over members in document order, repeats included, and checks the whole document")
    func memberByMember() throws {
        var members: [(String, JSONValue)] = []
        let isObject = try JSONValue.parseObject(Array(#" {"a": 1, "b": {"c": [true]}, "a": "x\u00e9"} "#.utf8)) {
            members.append(($0, $1))
        }
        #expect(isObject)
        #expect(members.map(\.0) == ["a", "b", "a"])
        #expect(members.map(\.1) == [.number("1"), .object(["c": .array([.bool(true)])]), .string("xé")])

        var none = 0
        #expect(try JSONValue.parseObject(Array("[1, 2]".utf8)) { _, _ in none += 1 } == false)
        #expect(none == 0)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parseObject(Array("[1, 2".utf8)) { _, _ in } }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parseObject(Array(#"{"a": 1} {"#.utf8)) { _, _ in } }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parseObject(Array(#"{"a": 1,}"#.utf8)) { _, _ in } }
    }

    @Test("plain ASCII strings take the fast path; any byte above 0x7f is still validated as UTF-8")
    func asciiAndValidation() throws {
        #expect(try parse(#""PAY-123 ~!""#) == .string("PAY-123 ~!"))
        #expect(try JSONValue.parse([0x22, 0x61, 0xc3, 0xa9, 0x22]) == .string("aé"))
        // A truncated sequence, an overlong "/", an encoded surrogate.
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse([0x22, 0x61, 0xc3, 0x22]) }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse([0x22, 0xc0, 0xaf, 0x22]) }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse([0x22, 0xed, 0xa0, 0x80, 0x22]) }
    }

    @Test("strings are read eight bytes at a time: a byte that needs a look is found at any offset")
    func wordAtATime() throws {
        for offset in 0..<20 {
            let prefix = String(repeating: "x", count: offset)
            #expect(try parse("\"\(prefix)\"") == .string(prefix))
            #expect(try parse("\"\(prefix)\\n\(prefix)\"") == .string(prefix + "\n" + prefix))
            #expect(try parse("\"\(prefix)\\\"y\"") == .string(prefix + "\"y"))
            #expect(try parse("\"\(prefix)é\(prefix)\"") == .string(prefix + "é" + prefix))
            #expect(throws: JSONValue.ParseError.self) { try parse("\"\(prefix)\u{1f}\(prefix)\"") }
            #expect(throws: JSONValue.ParseError.self) { try parse("\"\(prefix)") }
            #expect(throws: JSONValue.ParseError.self) {
                try JSONValue.parse([0x22] + Array(prefix.utf8) + [0xff] + Array(prefix.utf8) + [0x22])
            }
            // Every byte of a word below the quote, and the bytes the bit tricks sit next to.
            for byte: UInt8 in [0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f] {
                let bytes = [0x22] + Array(prefix.utf8) + [byte] + Array(prefix.utf8) + [0x22]
                if byte < 0x20 {
                    #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(bytes) }
                } else {
                    #expect(
                        try JSONValue.parse(bytes)
                            == .string(String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)))
                }
            }
        }
    }
}
