/// The Confluent wire format: magic byte 0, the 4-byte big-endian schema id, the Avro binary.
public enum ConfluentWireFormat {
    public static let magicByte: UInt8 = 0

    public static func header(schemaID: Int32) -> [UInt8] {
        let id = UInt32(bitPattern: schemaID)
        return [
            magicByte, UInt8(id >> 24), UInt8(truncatingIfNeeded: id >> 16), UInt8(truncatingIfNeeded: id >> 8),
            UInt8(truncatingIfNeeded: id),
        ]
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
