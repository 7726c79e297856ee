@testable import App
import Avro
import Testing

@Suite struct AvroValueJSONTests {
    @Test func recordsKeepFieldOrderMapsSortTheirKeysAndBytesAreBase64() {
        let value: AvroValue = .record([
            .init("name", .string("quote\" and\nline")), .init("kind", .enumSymbol("A")),
            .init("entries", .map(["b": .long(2), "a": .null])), .init("list", .array([.int(1), .boolean(true)])),
            .init("bytes", .bytes([1, 2])), .init("amount", .double(100.5)), .init("nan", .double(.nan)),
        ])
        #expect(value.json == #"{"name":"quote\" and\nline","kind":"A","entries":{"a":null,"b":2},"list":[1,true],"# +
            #""bytes":"AQI=","amount":100.5,"nan":null}"#)
    }
}
