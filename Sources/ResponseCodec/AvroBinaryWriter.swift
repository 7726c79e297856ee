import Avro

/// Avro binary encoding primitives (specification, "Binary Encoding").
struct AvroBinaryWriter {
    var output: [UInt8]

    /// The Confluent wire format's header (`ConfluentWireFormat.header`), written in place.
    mutating func confluentHeader(schemaID: Int32) {
        let id = UInt32(bitPattern: schemaID)
        output.append(ConfluentWireFormat.magicByte)
        output.append(UInt8(truncatingIfNeeded: id >> 24))
        output.append(UInt8(truncatingIfNeeded: id >> 16))
        output.append(UInt8(truncatingIfNeeded: id >> 8))
        output.append(UInt8(truncatingIfNeeded: id))
    }

    /// int and long: zig-zag, then variable-length base 128.
    mutating func long(_ value: Int64) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        output.append(UInt8(zigzag))
    }

    /// 8 bytes, little-endian IEEE 754.
    mutating func double(_ value: Double) {
        let bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: bits) { output.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            long(Int64(utf8.count))
            output.append(contentsOf: utf8)
        }
    }

    /// A ["null","string"] union: branch index, then the value.
    mutating func optionalString(_ value: String?) {
        if let value {
            long(1)
            string(value)
        } else {
            long(0)
        }
    }

    /// A map of strings: one block (count, entries), then the empty block. Keys sorted, so the
    /// same record always encodes to the same bytes.
    mutating func stringMap(_ map: [String: String]) {
        if !map.isEmpty {
            long(Int64(map.count))
            for key in map.keys.sorted() {
                string(key)
                string(map[key]!)
            }
        }
        long(0)
    }
}
