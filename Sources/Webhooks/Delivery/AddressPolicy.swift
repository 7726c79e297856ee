/// Which addresses a webhook may be sent to: the SSRF guard's decision, made on the address a
/// connection would actually go to.
public enum AddressPolicy {
    public enum Verdict: Sendable, Equatable {
        case allowed
        /// Refused, with the kind of address ("loopback", "private", "link-local", …).
        case refused(String)
    }

    /// The kind of non-public address `address` is, or nil for a public unicast address.
    public static func restrictedKind(of address: IPAddress) -> String? {
        let b = address.bytes
        if address.isIPv4 { return ipv4Kind(b) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {  // ::ffff:a.b.c.d
            return ipv4Kind(Array(b[12...])).map { "\($0) (IPv4-mapped)" }
        }
        if b == [0, 0x64, 0xff, 0x9b] + [UInt8](repeating: 0, count: 8) + Array(b[12...]) {  // 64:ff9b::/96 NAT64
            return ipv4Kind(Array(b[12...])).map { "\($0) (NAT64)" }
        }
        if b.allSatisfy({ $0 == 0 }) { return "unspecified" }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "loopback" }
        if b[0..<12].allSatisfy({ $0 == 0 }) { return "IPv4-compatible" }
        if b == metadataIPv6 { return "cloud metadata" }
        if b[0] & 0xfe == 0xfc { return "unique-local" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return "link-local" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return "site-local" }
        if b[0] == 0xff { return "multicast" }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return "documentation" }
        return nil
    }

    private static let metadataIPv6: [UInt8] =
        [0xfd, 0x00, 0x0e, 0xc2] + [UInt8](repeating: 0, count: 10) + [0x02, 0x54]

    private static func ipv4Kind(_ b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (169, 254) where b[2] == 169 && b[3] == 254: return "cloud metadata"
        case (100, 100) where b[2] == 100 && b[3] == 200: return "cloud metadata"
        case (0, _): return "unspecified"
        case (127, _): return "loopback"
        case (10, _): return "private"
        case (172, 16...31): return "private"
        case (192, 168): return "private"
        case (169, 254): return "link-local"
        case (100, 64...127): return "shared (carrier-grade NAT)"
        case (192, 0) where b[2] == 0: return "IETF protocol assignment"
        case (192, 0) where b[2] == 2, (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return "documentation"
        case (198, 18...19): return "benchmarking"
        case (224...239, _): return "multicast"
        case (240...255, _): return "reserved"
        default: return nil
        }
    }

    /// Whether a webhook may connect to `address`. Cloud-metadata addresses are refused even when
    /// private networks are allowed: no partner endpoint lives there.
    public static func verdict(for address: IPAddress, allowPrivateNetwork: Bool) -> Verdict {
        guard let kind = restrictedKind(of: address) else { return .allowed }
        if kind.hasPrefix("cloud metadata") { return .refused(kind) }
        return allowPrivateNetwork ? .allowed : .refused(kind)
    }
}
