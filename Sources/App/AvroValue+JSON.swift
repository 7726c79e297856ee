import Avro
import Foundation
import Payments

extension AvroValue {
    /// The value as JSON (how `dlt show` prints a decoded value): records as objects in field
    /// order, enums and strings as strings, bytes and fixed as base64 strings, maps with sorted keys.
    var json: String {
        var out: [UInt8] = []
        appendJSON(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func appendJSON(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .boolean(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .long(let value): out.append(contentsOf: String(value).utf8)
        case .float(let value): out.append(contentsOf: (value.isFinite ? "\(value)" : "null").utf8)
        case .double(let value): out.append(contentsOf: (value.isFinite ? "\(value)" : "null").utf8)
        case .bytes(let value), .fixed(let value): JSONText.appendString(Data(value).base64EncodedString(), into: &out)
        case .string(let value), .enumSymbol(let value): JSONText.appendString(value, into: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.appendJSON(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let entries):
            out.append(UInt8(ascii: "{"))
            for (index, entry) in entries.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(entry.key, into: &out)
                out.append(UInt8(ascii: ":"))
                entry.value.appendJSON(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .record(let fields):
            out.append(UInt8(ascii: "{"))
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(field.name, into: &out)
                out.append(UInt8(ascii: ":"))
                field.value.appendJSON(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
