import NIOCore
import Testing

@testable import Webhooks

/// The SSRF decision on addresses. No test here opens a connection: these are pure decisions.
@Suite struct AddressPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", "loopback"), ("127.0.0.2", "loopback"), ("::1", "loopback"), ("[::1]", "loopback"),
        ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
        ("169.254.169.254", "cloud metadata"), ("100.100.100.200", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("169.254.10.1", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
        ("fc00::1", "unique-local"), ("fd12:3456::1", "unique-local"),
        ("::ffff:127.0.0.1", "loopback (IPv4-mapped)"), ("::ffff:10.0.0.1", "private (IPv4-mapped)"),
        ("::ffff:169.254.169.254", "cloud metadata (IPv4-mapped)"), ("64:ff9b::a00:1", "private (NAT64)"),
        ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("255.255.255.255", "reserved"),
    ])
    func refusesNonPublicAddresses(address: String, kind: String) throws {
        let ip = try #require(IPAddress(address))
        #expect(AddressPolicy.restrictedKind(of: ip) == kind)
        #expect(AddressPolicy.verdict(for: ip, allowPrivateNetwork: false) == .refused(kind))
    }

    @Test(arguments: [
        "93.184.215.14", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "2a00:1450:4001::200e",
    ])
    func allowsPublicAddresses(address: String) throws {
        let ip = try #require(IPAddress(address))
        #expect(AddressPolicy.verdict(for: ip, allowPrivateNetwork: false) == .allowed)
    }

    @Test func allowPrivateNetworkOpensPrivateRangesButNeverCloudMetadata() throws {
        for address in ["127.0.0.1", "10.0.0.1", "::1", "fd12::1", "169.254.1.1"] {
            #expect(AddressPolicy.verdict(for: try #require(IPAddress(address)), allowPrivateNetwork: true) == .allowed)
        }
        for address in ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"] {
            guard
                case .refused = AddressPolicy.verdict(for: try #require(IPAddress(address)), allowPrivateNetwork: true)
            else {
                Issue.record("\(address) allowed")
                continue
            }
        }
    }

    @Test(arguments: ["example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1::2::3", "12345::1", ":::", ""])
    func hostNamesAndMalformedLiteralsAreNotAddresses(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func parsesCompressedAndFullIPv6Forms() throws {
        #expect(
            try #require(IPAddress("2001:db8::1")).bytes == [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11)
                + [1])
        #expect(IPAddress("1:2:3:4:5:6:7:8")?.bytes.count == 16)
        #expect(IPAddress("::ffff:1.2.3.4")?.bytes.suffix(4) == [1, 2, 3, 4])
    }

    @Test func redirectsToRestrictedLiteralsOrLocalhostAreReportedBlocked() {
        #expect(WebhookEndpoint.blockedRedirect("http://127.0.0.2:9/x", allowPrivateNetwork: false) != nil)
        #expect(WebhookEndpoint.blockedRedirect("http://[::1]/", allowPrivateNetwork: false) != nil)
        #expect(WebhookEndpoint.blockedRedirect("http://localhost:8080/", allowPrivateNetwork: false) != nil)
        #expect(WebhookEndpoint.blockedRedirect("https://169.254.169.254/latest", allowPrivateNetwork: true) != nil)
        #expect(WebhookEndpoint.blockedRedirect("https://partner.example/next", allowPrivateNetwork: false) == nil)
        #expect(WebhookEndpoint.blockedRedirect("http://127.0.0.2/", allowPrivateNetwork: true) == nil)
    }

    @Test(arguments: [
        ("10.1.2.3", "private"), ("169.254.169.254", "cloud metadata"), ("fd12::7", "unique-local"),
        ("192.168.0.10", "private"),
    ])
    func aNameResolvingToARestrictedAddressIsBlocked(address: String, kind: String) async throws {
        // The resolver answers for the name; the decision is made on its answer, and nothing connects.
        let endpoint = try WebhookEndpoint(
            settings: .init(tenantID: "T", url: "https://partner.example/hooks", secrets: ["whsec_YQ=="]), now: 0,
            resolver: { _, port in try SocketAddress(ipAddress: address, port: port) })
        guard case .failure(.blocked(let reason)) = await endpoint.checkedAddress(now: 0) else {
            Issue.record("partner.example resolving to \(address) was not blocked")
            return
        }
        #expect(reason.contains("partner.example resolves to a \(kind) address"))
    }

    @Test func aNameResolvingToAPublicAddressIsAllowedAndPinned() async throws {
        let endpoint = try WebhookEndpoint(
            settings: .init(tenantID: "T", url: "https://partner.example/hooks", secrets: ["whsec_YQ=="]), now: 0,
            resolver: { _, port in try SocketAddress(ipAddress: "93.184.215.14", port: port) })
        guard case .success(let pinned) = await endpoint.checkedAddress(now: 0) else {
            Issue.record("a public address was refused")
            return
        }
        #expect(pinned == "93.184.215.14")
    }
}
