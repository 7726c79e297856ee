/// A parsed Avro schema: the original text (what registries store, with docs, defaults and
/// logical types intact), its structure, and an avro-c codec.
public final class AvroSchema: Sendable {
    public let text: String
    public let type: AvroType
    private let codec: AvroCCodec

    public init(json text: String) throws(AvroError) {
        self.text = text
        self.type = try AvroType.parse(json: text)
        self.codec = try AvroCCodec(json: text)
    }

    /// The full name of a named schema ("com.payments.events.PaymentResponse").
    public var fullName: String? {
        switch type {
        case .record(let name, _), .enumeration(let name, _, _), .fixed(let name, _): name
        default: nil
        }
    }

    /// Avro binary encoding of `value`.
    public func encode(_ value: AvroValue) throws(AvroError) -> [UInt8] {
        var bytes: [UInt8] = []
        try codec.encode(value, type: type, into: &bytes)
        return bytes
    }

    /// Encodes `value` in the Confluent wire format under `schemaID`.
    public func encodeFramed(_ value: AvroValue, schemaID: Int32) throws(AvroError) -> [UInt8] {
        var bytes = ConfluentWireFormat.header(schemaID: schemaID)
        try codec.encode(value, type: type, into: &bytes)
        return bytes
    }

    /// Decodes data written with this schema (the writer's schema). Records keep the writer's
    /// field names, so readers map fields by name.
    public func decode(_ bytes: ArraySlice<UInt8>) throws(AvroError) -> AvroValue {
        try codec.decode(bytes)
    }

    /// This schema's id in the embedded registry: stable across restarts and instances.
    public var embeddedID: Int32 { SchemaFingerprint.embeddedID(of: text) }
}
