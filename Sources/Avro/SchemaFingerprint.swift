import Foundation

/// Content-derived schema ids for the embedded registry.
///
/// id = the low 31 bits of the CRC-64-AVRO fingerprint (the Avro specification's Rabin
/// fingerprint) of the schema's normalized JSON: object keys sorted, no insignificant
/// whitespace. Every instance derives the same id for the same schema, without coordination.
public enum SchemaFingerprint {
    static let empty: UInt64 = 0xc15d_213a_a4d7_a795

    private static let table: [UInt64] = (0..<256).map { index in
        var fp = UInt64(index)
        for _ in 0..<8 { fp = (fp >> 1) ^ (empty & (0 &- (fp & 1))) }
        return fp
    }

    public static func crc64Avro<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var fp = empty
        for byte in bytes { fp = (fp >> 8) ^ table[Int((fp ^ UInt64(byte)) & 0xff)] }
        return fp
    }

    public static func embeddedID(of schemaText: String) -> Int32 {
        let normalized = (try? normalizedJSON(schemaText)) ?? schemaText
        let id = Int32(truncatingIfNeeded: crc64Avro(normalized.utf8) & 0x7fff_ffff)
        return id == 0 ? 1 : id
    }

    /// The schema JSON with sorted keys and no whitespace between tokens.
    public static func normalizedJSON(_ text: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        var out = ""
        write(object, to: &out)
        return out
    }

    private static func write(_ node: Any, to out: inout String) {
        switch node {
        case let dict as [String: Any]:
            out += "{"
            for (index, key) in dict.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                writeString(key, to: &out)
                out += ":"
                write(dict[key]!, to: &out)
            }
            out += "}"
        case let array as [Any]:
            out += "["
            for (index, element) in array.enumerated() {
                if index > 0 { out += "," }
                write(element, to: &out)
            }
            out += "]"
        case let string as String:
            writeString(string, to: &out)
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" {
                out += number.boolValue ? "true" : "false"
            } else if let exact = Int64(exactly: number.doubleValue), !"\(number)".contains(".") {
                out += String(exact)
            } else {
                out += "\(number.doubleValue)"
            }
        default:
            out += "null"
        }
    }

    private static func writeString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
