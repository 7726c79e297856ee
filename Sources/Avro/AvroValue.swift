/// A value of an Avro schema, independent of avro-c.
public indirect enum AvroValue: Sendable, Equatable {
    case null
    case boolean(Bool)
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case bytes([UInt8])
    case string(String)
    /// Fields in schema order (decoding yields the writer's order; encoding matches by name).
    case record([AvroRecordField])
    case enumSymbol(String)
    case array([AvroValue])
    case map([String: AvroValue])
    case fixed([UInt8])

    /// The value of a record field by name.
    public subscript(field name: String) -> AvroValue? {
        guard case .record(let fields) = self else { return nil }
        return fields.first { $0.name == name }?.value
    }
}
