import Foundation
import TestSupport
import Testing

@testable import Webhooks

/// A partner protecting its endpoint with OAuth2 client credentials: a token endpoint and the
/// webhook endpoint in Python (`Tests/interop/oauth2_partner.py`), short-lived tokens.
@Suite("Webhook endpoints: OAuth2 client credentials", .serialized)
struct OAuth2Tests {
    static let secret = "whsec_" + Data("oauth2-partner-secret".utf8).base64EncodedString()
    static let clientSecret = "client-secret-do-not-log"

    func endpoint(
        _ partner: OAuth2Partner, tokenURL: String? = nil, allowPrivateNetwork: Bool = true,
        refreshBefore: Duration = .milliseconds(500)
    ) throws -> WebhookEndpoint {
        var settings = WebhookEndpoint.Settings(
            tenantID: "PARTNER-OAUTH", url: "http://127.0.0.1:\(partner.port)/hooks", secrets: [Self.secret])
        settings.allowInsecureHttp = true
        settings.allowPrivateNetwork = allowPrivateNetwork
        var oauth2 = OAuth2TokenSource.Settings(
            tokenURL: tokenURL ?? "http://127.0.0.1:\(partner.port)/token", clientID: "payments bridge",
            clientSecret: Self.clientSecret)
        oauth2.scope = "webhooks:write"
        oauth2.refreshBefore = refreshBefore
        settings.oauth2 = oauth2
        return try WebhookEndpoint(settings: settings, now: 0)
    }

    func send(_ endpoint: WebhookEndpoint, at now: Int64? = nil) async -> WebhookEndpoint.AttemptResult {
        await endpoint.attempt(
            body: Array(#"{"a":1}"#.utf8), eventID: UUID().uuidString, correlationID: "c",
            now: now ?? Int64(Date().timeIntervalSince1970 * 1000))
    }

    @Test("a token is reused until shortly before it expires, then refreshed; the partner never sees an expired one")
    func reusedThenRefreshed() async throws {
        // The partner's tokens live 300 s; the sink's clock is moved instead of waiting.
        let partner = try OAuth2Partner(clientID: "payments bridge", clientSecret: Self.clientSecret, lifetime: 300)
        let endpoint = try endpoint(partner, refreshBefore: .seconds(60))
        defer { Task { await endpoint.shutdown() } }
        let start = Int64(Date().timeIntervalSince1970 * 1000)
        // Concurrent first requests share one token request.
        async let first = send(endpoint, at: start)
        async let second = send(endpoint, at: start)
        async let third = send(endpoint, at: start)
        let results = await [first, second, third]
        #expect(results.allSatisfy { $0 == .delivered(status: 200) })
        #expect(partner.tokenRequests == 1, "one token for concurrent requests")
        for offset in [1, 60, 120, 239] {
            #expect(await send(endpoint, at: start + Int64(offset) * 1000) == .delivered(status: 200))
        }
        #expect(partner.tokenRequests == 1, "reused while more than a minute of its life is left")
        #expect(partner.requests.first?["scope"] as? String == "webhooks:write")
        #expect(await send(endpoint, at: start + 241_000) == .delivered(status: 200))
        #expect(partner.tokenRequests == 2, "refreshed in the token's last minute, before it expired")
        #expect(partner.hooks.allSatisfy { $0["status"] as? Int == 200 }, "no request with an expired token")
    }

    @Test("a 401 triggers exactly one refresh and one more try; a second 401 is the answer")
    func unauthorizedRefreshesOnce() async throws {
        let partner = try OAuth2Partner(clientID: "payments bridge", clientSecret: Self.clientSecret, lifetime: 300)
        let endpoint = try endpoint(partner)
        defer { Task { await endpoint.shutdown() } }
        #expect(await send(endpoint) == .delivered(status: 200))
        partner.set("revoke")
        #expect(
            await send(endpoint) == .delivered(status: 200), "the revoked token is replaced and the request sent again")
        #expect(partner.tokenRequests == 2)
        #expect(partner.hooks.map { $0["status"] as? Int } == [200, 401, 200])
        partner.set("reject")
        guard case .refused(status: 401, _) = await send(endpoint) else {
            Issue.record("a second 401 is a refusal")
            return
        }
        #expect(partner.tokenRequests == 3, "exactly one refresh for the 401")
    }

    @Test(
        "a token endpoint down is a retriable failure naming OAuth2; a token URL the address policy refuses is blocked")
    func tokenEndpointFailures() async throws {
        let partner = try OAuth2Partner(clientID: "payments bridge", clientSecret: Self.clientSecret, lifetime: 300)
        partner.set("down")
        let endpoint = try endpoint(partner)
        guard case .retriable(status: nil, _, let error) = await send(endpoint) else {
            Issue.record("expected a retriable failure")
            return
        }
        #expect(error.contains("OAuth2 token endpoint answered HTTP 503"), "\(error)")
        #expect(partner.hooks.isEmpty, "nothing is sent without a token")
        await endpoint.shutdown()

        let blocked = try self.endpoint(partner, tokenURL: "http://169.254.169.254/token", allowPrivateNetwork: true)
        guard case .blocked(let reason) = await send(blocked) else {
            Issue.record("expected the token URL to be blocked")
            return
        }
        #expect(reason.contains("OAuth2 token URL"), "\(reason)")
        await blocked.shutdown()
        #expect(!partner.requests.contains { "\($0)".contains(Self.clientSecret) })
    }
}
