/// JSON string literals (RFC 8259 escaping; non-ASCII stays UTF-8): for webhook bodies and the
/// `dlt` command's output.
public enum JSONText {
    /// Appends `value` as a JSON string literal.
    public static func appendString(_ value: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0a: out.append(contentsOf: "\\n".utf8)
            case 0x0d: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0f)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func string(_ value: String) -> String {
        var out: [UInt8] = []
        appendString(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
