import Avro
import Foundation
import Payments

extension JSONValue {
    /// An Avro value as JSON (how `dlt show` prints a decoded value): records and maps as
    /// objects, enums and strings as strings, bytes and fixed as base64 strings, NaN and
    /// infinities as null.
    init(_ avro: AvroValue) {
        switch avro {
        case .null: self = .null
        case .boolean(let value): self = .bool(value)
        case .int(let value): self = .number(String(value))
        case .long(let value): self = .number(String(value))
        case .float(let value): self = value.isFinite ? .number("\(value)") : .null
        case .double(let value): self = value.isFinite ? .number("\(value)") : .null
        case .bytes(let value), .fixed(let value): self = .string(Data(value).base64EncodedString())
        case .string(let value), .enumSymbol(let value): self = .string(value)
        case .array(let values): self = .array(values.map(JSONValue.init))
        case .map(let entries): self = .object(entries.mapValues(JSONValue.init))
        case .record(let fields):
            self = .object(
                Dictionary(fields.map { ($0.name, JSONValue($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
