/// Avro binary decoding primitives (specification, "Binary Encoding") over a byte slice; every
/// read checks the bytes left and throws on a value that runs past them.
struct AvroBinaryReader: ~Copyable {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// int and long: variable-length base 128 (at most ten bytes), then zig-zag.
    mutating func long() throws(Malformed) -> Int64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex else { throw Malformed(description: "a long runs past the end") }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
            guard shift < 64 else { throw Malformed(description: "a long is longer than ten bytes") }
        }
        return Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }

    /// 8 bytes, little-endian IEEE 754.
    mutating func double() throws(Malformed) -> Double {
        guard bytes.endIndex - position >= 8 else { throw Malformed(description: "a double runs past the end") }
        var bits: UInt64 = 0
        for offset in 0..<8 { bits |= UInt64(bytes[position + offset]) << (8 * UInt64(offset)) }
        position += 8
        return Double(bitPattern: bits)
    }

    /// A length, then that many bytes of UTF-8 (ill-formed sequences replaced, as avro-c's
    /// strings are read).
    mutating func string() throws(Malformed) -> String {
        let length = try long()
        guard length >= 0, length <= Int64(bytes.endIndex - position) else {
            throw Malformed(description: "a string of \(length) bytes runs past the end")
        }
        let end = position + Int(length)
        defer { position = end }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// A ["null","string"] union: branch index, then the value.
    mutating func optionalString() throws(Malformed) -> String? {
        switch try long() {
        case 0: return nil
        case 1: return try string()
        case let branch: throw Malformed(description: "union branch \(branch) of [null, string]")
        }
    }

    /// A map of strings: blocks of entries up to the empty block. A block with a negative count
    /// has that many entries and gives its size in bytes first. A key given twice keeps its last
    /// value.
    mutating func stringMap() throws(Malformed) -> [String: String] {
        var map: [String: String] = [:]
        while true {
            var count = try long()
            if count == 0 { return map }
            if count < 0 {
                count = count == .min ? .max : -count
                _ = try long()
            }
            // Each entry takes at least two bytes, so a count beyond that is a lie.
            guard count <= Int64(bytes.endIndex - position) / 2 else {
                throw Malformed(description: "a map block of \(count) entries runs past the end")
            }
            map.reserveCapacity(map.count + min(Int(count), 64))  // the count is the data's word
            for _ in 0..<count { map[try string()] = try string() }
        }
    }
}
