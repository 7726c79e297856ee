import Config
import Testing

@Suite("admin.tokens")
struct AdminTokenTests {
    let token = "ops-token-0123456789abcdef0123456789"

    @Test("tokens come from the environment, with their callers' names, and are never printed")
    func loaded() throws {
        let yaml = """
            admin:
              tokens:
                - {name: ops, token: "${ADMIN_TOKEN_OPS}"}
                - {name: deploy-bot, token: "${ADMIN_TOKEN_DEPLOY}"}
            """
        let config = try BridgeConfiguration.parse(
            yaml: yaml, environment: ["ADMIN_TOKEN_OPS": token, "ADMIN_TOKEN_DEPLOY": String(token.reversed())])
        #expect(config.admin.tokens.map(\.name) == ["ops", "deploy-bot"])
        #expect(config.admin.tokens[0].token.value == token)
        #expect(!"\(config)".contains(token) && !"\(config.admin.tokens)".contains(token))
        #expect(
            try BridgeConfiguration.parse(yaml: "admin: {listen: '127.0.0.1:9000'}").admin.tokens.isEmpty,
            "no tokens: the admin API is off")
    }

    @Test(
        "bad tokens are refused naming the key, without showing the token",
        arguments: [
            ("admin: {tokens: [{name: ops}]}", "admin.tokens[0].token"),
            ("admin: {tokens: [{token: TOKEN}]}", "admin.tokens[0].name"),
            ("admin: {tokens: [{name: 'o p', token: TOKEN}]}", "admin.tokens[0].name"),
            ("admin: {tokens: [{name: ops, token: short-secret}]}", "admin.tokens[0].token"),
            ("admin: {tokens: [{name: ops, token: TOKEN}, {name: ops, token: OTHER}]}", "admin.tokens[1].name"),
            ("admin: {tokens: [{name: ops, token: TOKEN}, {name: bot, token: TOKEN}]}", "admin.tokens[1].token"),
            ("admin: {tokens: [{name: ops, token: TOKEN, role: admin}]}", "admin.tokens[0].role"),
            ("admin: {tokens: {name: ops}}", "admin.tokens"),
        ])
    func refused(yaml: String, key: String) {
        let filled = yaml.replacingOccurrences(of: "OTHER", with: String(token.reversed()))
            .replacingOccurrences(of: "TOKEN", with: token)
        let error = failure(filled)
        #expect(error?.key == key, "\(yaml)")
        #expect(error?.description.contains(token) == false)
        #expect(error?.description.contains("short-secret") == false)
    }
}
