import Foundation
import TestSupport
import Testing

@testable import Webhooks

/// Partner endpoints behind TLS that the system store does not trust, asking for a client
/// certificate: nginx (`ssl_verify_client on`) with a CA made by the test.
@Suite("Webhook endpoints: custom CA and mutual TLS", .serialized)
struct MutualTLSTests {
    static let secret = "whsec_" + Data("mutual-tls-secret".utf8).base64EncodedString()

    func endpoint(_ url: String, tls: EndpointTLS?) throws -> WebhookEndpoint {
        var settings = WebhookEndpoint.Settings(tenantID: "PARTNER-TLS", url: url, secrets: [Self.secret])
        settings.allowPrivateNetwork = true
        settings.tls = tls
        return try WebhookEndpoint(settings: settings, now: 0)
    }

    func send(_ endpoint: WebhookEndpoint) async -> WebhookEndpoint.AttemptResult {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return await endpoint.attempt(body: Array(#"{"a":1}"#.utf8), eventID: "evt-1", correlationID: "c-1", now: now)
    }

    @Test(
        "the right client certificate is verified by the partner; a server certificate of an unknown CA is refused unless the CA bundle trusts it"
    )
    func clientCertificateAndPrivateCA() async throws {
        let certificates = try TestCertificates()
        let partner = try TLSPartner(certificates: certificates)
        let mutual = try EndpointTLS(
            caBundle: certificates.caCertificate, clientCertificate: certificates.clientCertificate,
            clientKey: certificates.clientKey)

        // The system store does not know the test CA: a TLS failure naming the reason, not a retry like any other.
        let untrusted = try endpoint(partner.url, tls: nil)
        let refused = await send(untrusted)
        guard case .tlsFailed(let reason) = refused else {
            Issue.record("expected a TLS failure, got \(refused)")
            return
        }
        #expect(reason.contains("TLS") && reason.lowercased().contains("certificate"), "\(reason)")
        #expect(refused.reachability == .unreachable, "the circuit breaker counts it")
        #expect(partner.requests.isEmpty)
        await untrusted.shutdown()

        let trusted = try endpoint(partner.url, tls: mutual)
        #expect(await send(trusted) == .delivered(status: 200))
        await trusted.shutdown()
        #expect(partner.requests.map(\.verify) == ["SUCCESS"], "nginx verified the client certificate")
        #expect(partner.requests.first?.subject.contains("CN=payments-bridge") == true)

        // Only the CA bundle (no system store) works the same for this partner.
        var only = mutual
        only.trustMode = .only
        let onlyBundle = try endpoint(partner.url, tls: only)
        #expect(await send(onlyBundle) == .delivered(status: 200))
        await onlyBundle.shutdown()

        // An encrypted key opens with its passphrase.
        let encrypted = try EndpointTLS(
            caBundle: certificates.caCertificate, clientCertificate: certificates.clientCertificate,
            clientKey: certificates.encryptedClientKey, passphrase: certificates.passphrase)
        let withPassphrase = try endpoint(partner.url, tls: encrypted)
        #expect(await send(withPassphrase) == .delivered(status: 200))
        await withPassphrase.shutdown()
        #expect(partner.requests.map(\.verify) == ["SUCCESS", "SUCCESS", "SUCCESS"])
    }

    @Test("a client certificate the partner's CA did not sign, or none, is refused by the partner and never delivered")
    func wrongClientCertificate() async throws {
        let certificates = try TestCertificates()
        let partner = try TLSPartner(certificates: certificates)
        for tls in [
            try EndpointTLS(
                caBundle: certificates.caCertificate, clientCertificate: certificates.rogueCertificate,
                clientKey: certificates.rogueKey),
            try EndpointTLS(caBundle: certificates.caCertificate, clientCertificate: nil, clientKey: nil),
        ] {
            let endpoint = try endpoint(partner.url, tls: tls)
            let result = await send(endpoint)
            await endpoint.shutdown()
            switch result {
            case .tlsFailed, .refused(status: 400, _): break
            default: Issue.record("expected a refusal, got \(result)")
            }
        }
        #expect(partner.requests.allSatisfy { $0.verify != "SUCCESS" && $0.status == "400" })
    }

    @Test("unreadable TLS files are errors naming the file; the client certificate's expiry is known")
    func loading() throws {
        let certificates = try TestCertificates(clientDays: 10)
        func failingFile(_ make: () throws -> EndpointTLS) -> EndpointTLS.LoadError.File? {
            do {
                _ = try make()
                return nil
            } catch { return (error as? EndpointTLS.LoadError)?.file }
        }
        #expect(
            failingFile {
                try EndpointTLS(caBundle: "/nonexistent/ca.pem", clientCertificate: nil, clientKey: nil)
            } == .caBundle)
        #expect(
            failingFile {
                try EndpointTLS(caBundle: nil, clientCertificate: certificates.clientKey, clientKey: nil)
            } == .clientCertificate)
        #expect(
            failingFile {
                try EndpointTLS(
                    caBundle: nil, clientCertificate: certificates.clientCertificate,
                    clientKey: certificates.encryptedClientKey, passphrase: "wrong")
            } == .clientKey)
        let tls = try EndpointTLS(
            caBundle: nil, clientCertificate: certificates.clientCertificate, clientKey: certificates.clientKey)
        let expiry = try #require(tls.clientCertificateExpiry)
        let inTenDays = Int64(Date().timeIntervalSince1970) + 10 * 86_400
        #expect(abs(expiry - inTenDays) < 600, "notAfter is 10 days ahead")
    }

    @Test(
        "PEM text loads like the files; text that is not a certificate or key, or a key of another certificate, names its setting"
    )
    func loadingText() throws {
        let certificates = try TestCertificates(clientDays: 10)
        func text(_ path: String) throws -> EndpointTLS.Source {
            .pem(try String(contentsOfFile: path, encoding: .utf8))
        }
        let fromText = try EndpointTLS(
            caBundle: text(certificates.caCertificate), clientCertificate: text(certificates.clientCertificate),
            clientKey: text(certificates.encryptedClientKey), passphrase: certificates.passphrase)
        let fromFiles = try EndpointTLS(
            caBundle: certificates.caCertificate, clientCertificate: certificates.clientCertificate,
            clientKey: certificates.clientKey)
        #expect(fromText == fromFiles && fromText.clientCertificateExpiry == fromFiles.clientCertificateExpiry)

        func failing(_ make: () throws -> EndpointTLS) -> EndpointTLS.LoadError? {
            do {
                _ = try make()
                return nil
            } catch { return error as? EndpointTLS.LoadError }
        }
        let garbage = EndpointTLS.Source.pem(
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")
        let cases: [(() throws -> EndpointTLS, EndpointTLS.LoadError.File)] = [
            ({ try EndpointTLS(caBundle: garbage, clientCertificate: nil, clientKey: nil) }, .caBundlePem),
            (
                { try EndpointTLS(caBundle: nil, clientCertificate: text(certificates.clientKey), clientKey: nil) },
                .clientCertificatePem
            ),
            (
                {
                    try EndpointTLS(
                        caBundle: nil, clientCertificate: text(certificates.clientCertificate),
                        clientKey: text(certificates.encryptedClientKey), passphrase: "wrong")
                }, .clientKeyPem
            ),
            (
                {
                    try EndpointTLS(
                        caBundle: nil, clientCertificate: text(certificates.clientCertificate),
                        clientKey: text(certificates.rogueKey))
                }, .clientKeyPem
            ),
            (
                {
                    try EndpointTLS(
                        caBundle: nil, clientCertificate: .file(certificates.clientCertificate),
                        clientKey: .file(certificates.rogueKey))
                }, .clientKey
            ),
        ]
        for (make, setting) in cases {
            let error = failing(make)
            #expect(error?.file == setting)
            #expect(error?.description.contains("BEGIN") == false, "the text is not repeated")
        }

        let summaries = try #require(
            EndpointTLS.summaries(pem: try String(contentsOfFile: certificates.clientCertificate, encoding: .utf8)))
        #expect(summaries.map(\.subject) == ["CN=payments-bridge"])
        #expect(summaries.first?.notAfter == fromText.clientCertificateExpiry)
        #expect(summaries.first?.sha256.count == 64)
        #expect(EndpointTLS.summaries(pem: "no certificate") == nil)
    }
}
