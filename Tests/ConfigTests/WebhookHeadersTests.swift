import Config
import Testing

@Suite("tenants[].webhook.headers")
struct WebhookHeadersTests {
    func yaml(_ headers: String) -> String {
        """
        tenants:
          - id: P1
            channel: web
            delivery: webhook
            webhook:
              url: https://p1.example/hooks
              secrets: [whsec_c2VjcmV0]
              headers: \(headers)
        """
    }

    @Test("static headers come from the environment and are never printed")
    func loaded() throws {
        let config = try BridgeConfiguration.parse(
            yaml: yaml(#"{Authorization: "Bearer ${P1_TOKEN}", X-Api-Key: plain-key-do-not-log}"#),
            environment: ["P1_TOKEN": "gateway-token-do-not-log"])
        let headers = try #require(config.tenants[0].webhook?.headers)
        #expect(headers["Authorization"]?.value == "Bearer gateway-token-do-not-log")
        #expect(headers["X-Api-Key"]?.value == "plain-key-do-not-log")
        #expect(!"\(config)".contains("do-not-log"))
    }

    @Test("a header whose name reads as a number, a boolean or null in YAML is read by its name")
    func namesReadAsText() throws {
        let config = try BridgeConfiguration.parse(yaml: yaml(#"{"0": zero, 1: one, "true": yes-text, "null": x}"#))
        let headers = try #require(config.tenants[0].webhook?.headers)
        #expect(headers.mapValues(\.value) == ["0": "zero", "1": "one", "true": "yes-text", "null": "x"])
        let tenant = try BridgeConfiguration.tenant(
            json: #"{"id":"P2","channel":"web","delivery":"webhook","webhook":{"url":"https://p2.example/h","#
                + #""secrets":["whsec_c2VjcmV0"],"headers":{"0":"000","1.5":"x"}}}"#)
        #expect(tenant.webhook?.headers.mapValues(\.value) == ["0": "000", "1.5": "x"])
    }

    @Test(
        "headers the service sets, invalid names or values, and repeats are refused naming the header",
        arguments: [
            ("{Content-Type: text/plain}", "tenants[0].webhook.headers.Content-Type"),
            ("{webhook-signature: forged}", "tenants[0].webhook.headers.webhook-signature"),
            ("{X-Webhook-Signature: forged}", "tenants[0].webhook.headers.X-Webhook-Signature"),
            ("{Host: other.example}", "tenants[0].webhook.headers.Host"),
            ("{user-agent: me}", "tenants[0].webhook.headers.user-agent"),
            ("{'Bad Name': x}", "tenants[0].webhook.headers.Bad Name"),
            (#"{X-Key: "a\nb"}"#, "tenants[0].webhook.headers.X-Key"),
            ("{X-Key: a, x-key: b}", "tenants[0].webhook.headers.x-key"),
            ("{X-Key: }", "tenants[0].webhook.headers.X-Key"),
        ])
    func refused(headers: String, key: String) {
        let error = failure(yaml(headers))
        #expect(error?.key == key, "\(headers)")
    }
}
