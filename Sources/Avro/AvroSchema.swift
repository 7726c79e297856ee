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

/// The Confluent wire format: magic byte 0, the 4-byte big-endian schema id, the Avro binary.
public enum ConfluentWireFormat {
    public static let magicByte: UInt8 = 0

    public static func header(schemaID: Int32) -> [UInt8] {
        let id = UInt32(bitPattern: schemaID)
        return [magicByte, UInt8(id >> 24), UInt8(truncatingIfNeeded: id >> 16), UInt8(truncatingIfNeeded: id >> 8),
                UInt8(truncatingIfNeeded: id)]
    }

    public static func frame(schemaID: Int32, payload: [UInt8]) -> [UInt8] {
        header(schemaID: schemaID) + payload
    }

    /// Splits a framed value into schema id and Avro payload.
    public static func parse(_ bytes: [UInt8]) throws(AvroError) -> (schemaID: Int32, payload: ArraySlice<UInt8>) {
        guard bytes.count >= 5 else {
            throw AvroError(.wireFormat, "value of \(bytes.count) bytes is shorter than the 5-byte header")
        }
        guard bytes[0] == magicByte else {
            throw AvroError(.wireFormat, "unknown magic byte \(bytes[0]) (expected 0)")
        }
        let id = UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4])
        return (Int32(bitPattern: id), bytes[5...])
    }
}
