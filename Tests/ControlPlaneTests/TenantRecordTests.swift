import Config
import ControlPlane
import Foundation
import Payments
import Testing

@Suite("Control plane: tenant records")
struct TenantRecordTests {
    let keys = try! StateKeys(base64Keys: [Data(repeating: 7, count: 32).base64EncodedString()])
    let secret = "whsec_" + Data("partner-abc-secret-0123".utf8).base64EncodedString()

    var tenant: BridgeConfiguration.Tenant {
        BridgeConfiguration.Tenant(
            id: "PARTNER-ABC", channel: .partner, delivery: .webhook,
            webhook: .init(
                url: "https://abc.example/hooks", secrets: [Secret(secret)], eventTypes: ["PAYMENT_COMPLETED"],
                maxInFlight: 8, ratePerSecond: 50))
    }

    @Test("a record reads back as written, its secrets sealed in the topic")
    func roundTrip() throws {
        let record = TenantRecord(
            tenant: tenant, version: 3, updatedAt: 1_764_000_000_123, updatedBy: "ops",
            paused: true, disabledReason: "endpoint answered 410 Gone")
        let value = try record.encoded(keys: keys)
        let text = String(decoding: value, as: UTF8.self)
        #expect(!text.contains("whsec_") && !text.contains("partner-abc-secret"))
        #expect(text.contains(#""updatedAt":"2025-11-24T16:00:00.123Z""#) && text.contains(#""updatedBy":"ops""#))
        #expect(try TenantRecord.decoded(value, id: "PARTNER-ABC", keys: keys) == record)
        var withHeaders = record
        withHeaders.tenant.webhook?.headers = ["Authorization": Secret("Bearer gateway-token-0123")]
        let sealedHeaders = try withHeaders.encoded(keys: keys)
        #expect(
            !String(decoding: sealedHeaders, as: UTF8.self).contains("gateway-token"), "header values are sealed too")
        #expect(try TenantRecord.decoded(sealedHeaders, id: "PARTNER-ABC", keys: keys) == withHeaders)
        let audit = String(
            decoding: AuditEntry(
                at: 0, by: "ops", action: .replace, tenant: "PARTNER-ABC", before: record,
                after: withHeaders
            ).json, as: UTF8.self)
        #expect(
            audit.contains(#""headers":["Authorization"]"#) && !audit.contains("gateway-token")
                && !audit.contains("whsec_"))
        let kafkaOnly = TenantRecord(
            tenant: .init(id: "TENANT-001", channel: .web, delivery: .kafka), version: 1,
            updatedAt: 0, updatedBy: "bot")
        #expect(try TenantRecord.decoded(try kafkaOnly.encoded(keys: keys), id: "TENANT-001", keys: keys) == kafkaOnly)
    }

    func code(_ value: [UInt8], id: String = "PARTNER-ABC", keys: StateKeys? = nil) -> TenantRecord.Failure.Code? {
        do {
            _ = try TenantRecord.decoded(value, id: id, keys: keys ?? self.keys)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("a record under another key, for another key, changed, or invalid is refused with the reason")
    func refused() throws {
        let value = try TenantRecord(tenant: tenant, version: 1, updatedAt: 0, updatedBy: "ops").encoded(keys: keys)
        let otherKeys = try StateKeys(base64Keys: [Data(repeating: 8, count: 32).base64EncodedString()])
        #expect(code(value, keys: otherKeys) == .sealedSecret)
        #expect(code(value, id: "PARTNER-XYZ") == .malformed, "keyed by another tenant")
        #expect(code(Array("{}".utf8)) == .malformed)
        // A record whose tenant the loader would refuse (plain http without allowInsecureHttp).
        var text = String(decoding: value, as: UTF8.self)
        text = text.replacingOccurrences(of: "https://abc.example/hooks", with: "http://abc.example/hooks")
        #expect(code(Array(text.utf8)) == .invalidTenant)
    }

    @Test("the admin API's tenant JSON is checked like the file, values taken literally")
    func tenantJSON() throws {
        let tenant = try BridgeConfiguration.tenant(
            json:
                #"{"id":"P1","channel":"web","delivery":"webhook","webhook":{"url":"https://p1.example/h","secrets":["whsec_c2VjcmV0"]}}"#
        )
        #expect(tenant.webhook?.maxInFlight == 16 && tenant.channel == .web)
        func key(_ json: String) -> String? {
            do {
                _ = try BridgeConfiguration.tenant(json: json)
                return nil
            } catch { return error.key }
        }
        #expect(
            key(
                #"{"id":"P1","channel":"web","delivery":"webhook","webhook":{"url":"http://p1.example/h","secrets":["whsec_c2VjcmV0"]}}"#
            ) == "webhook.url")
        #expect(key(#"{"id":"P 1","channel":"web"}"#) == "id")
        #expect(key(#"{"id":"P1","channel":"fax"}"#) == "channel")
        #expect(key(#"{"id":"P1","channel":"web","colour":"red"}"#) == "colour")
        #expect(key("[1, 2]") == "")
        // ${VAR} is not read from the service's environment.
        #expect(
            key(
                #"{"id":"P1","channel":"web","delivery":"webhook","webhook":{"url":"https://p1.example/${HOME}","secrets":["whsec_c2VjcmV0"]}}"#
            ) == nil)
        let literal = try BridgeConfiguration.tenant(
            json:
                #"{"id":"P1","channel":"web","delivery":"webhook","webhook":{"url":"https://p1.example/${HOME}","secrets":["whsec_c2VjcmV0"]}}"#
        )
        #expect(literal.webhook?.url == "https://p1.example/${HOME}")
    }

    @Test("rotation: the new secret signs alone, the old ones keep signing until the overlap ends, all sealed")
    func rotation() throws {
        let newSecret = "whsec_" + Data("partner-abc-rotated-4567".utf8).base64EncodedString()
        var record = TenantRecord(tenant: tenant, version: 1, updatedAt: 0, updatedBy: "ops")
        record.rotate(to: newSecret, overlap: .seconds(3600), now: 1_000_000)
        #expect(record.tenant.webhook?.secrets.map(\.value) == [newSecret])
        #expect(record.retiringSecrets == [.init(secret: Secret(secret), until: 1_000_000 + 3_600_000)])
        #expect(record.retiringSecrets(at: 1_000_000 + 3_599_999).count == 1)
        #expect(record.retiringSecrets(at: 1_000_000 + 3_600_000).isEmpty, "dropped when the overlap ends")
        record.enabledAt = 1_764_000_000_000
        record.retryNowAt = 1_764_000_000_500
        let value = try record.encoded(keys: keys)
        let text = String(decoding: value, as: UTF8.self)
        #expect(
            !text.contains("partner-abc-secret") && !text.contains("partner-abc-rotated") && !text.contains("whsec_"))
        #expect(try TenantRecord.decoded(value, id: "PARTNER-ABC", keys: keys) == record)
        // Rotating again drops what expired and retires the current secret.
        let third = "whsec_" + Data("partner-abc-third-89ab".utf8).base64EncodedString()
        record.rotate(to: third, overlap: .seconds(60), now: 1_000_000 + 3_600_000)
        #expect(record.retiringSecrets == [.init(secret: Secret(newSecret), until: 1_000_000 + 3_660_000)])
        record.rotate(to: "whsec_" + Data("no-overlap".utf8).base64EncodedString(), overlap: .zero, now: 5_000_000)
        #expect(record.retiringSecrets.isEmpty, "overlap 0: the old secret stops at once")
    }

    @Test("an OAuth2 client secret and a key passphrase are sealed in the topic and left out of the audit trail")
    func endpointAuthenticationSealed() throws {
        let pem = FileManager.default.temporaryDirectory.appendingPathComponent("pem-\(UUID().uuidString)").path
        try "x".write(toFile: pem, atomically: true, encoding: .utf8)
        var tenant = self.tenant
        var oauth2 = BridgeConfiguration.OAuth2(
            tokenURL: "https://auth.abc.example/token", clientID: "bridge",
            clientSecret: Secret("oauth-client-secret-0123"))
        oauth2.scope = "hooks"
        tenant.webhook?.oauth2 = oauth2
        var tls = BridgeConfiguration.TLS()
        tls.caBundle = pem
        tls.clientCertificate = pem
        tls.clientKey = pem
        tls.clientKeyPassphrase = Secret("key-passphrase-4567")
        tenant.webhook?.tls = tls
        let record = TenantRecord(tenant: tenant, version: 1, updatedAt: 0, updatedBy: "ops")
        let value = try record.encoded(keys: keys)
        let text = String(decoding: value, as: UTF8.self)
        #expect(!text.contains("oauth-client-secret") && !text.contains("key-passphrase"))
        #expect(try TenantRecord.decoded(value, id: "PARTNER-ABC", keys: keys) == record)
        let audit = String(
            decoding: AuditEntry(at: 0, by: "ops", action: .create, tenant: "PARTNER-ABC", before: nil, after: record)
                .json, as: UTF8.self)
        #expect(audit.contains("auth.abc.example") && audit.contains(pem))
        #expect(
            !audit.contains("oauth-client-secret") && !audit.contains("key-passphrase") && !audit.contains("aesgcm"))
    }
}
