import Payments
import Testing

@Suite struct JSONTextTests {
    @Test func escapesQuotesBackslashesAndControlCharactersAndKeepsUTF8() {
        #expect(JSONText.string("a\"b\\c\n\r\t\u{1}ü€") == #""a\"b\\c\n\r\t\u0001ü€""#)
        var out: [UInt8] = Array("x=".utf8)
        JSONText.appendString("", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"x="""#)
    }
}
