import AsyncHTTPClient
import Foundation
import Payments
import TestSupport
import Testing
import Yams

/// The admin API of the running binary against its OpenAPI document, fuzzed by schemathesis.
@Suite("admin API: OpenAPI conformance", .serialized)
struct AdminAPIConformanceTests {
    @Test(
        "schemathesis finds no answer that breaks the document (no 5xx, schemas, auth, methods)",
        arguments: [false, true])
    func conforms(controlPlane: Bool) async throws {
        let port = try freeLoopbackPort()
        let token = "ops-token-" + UUID().uuidString
        // With the control plane on, the tenants routes change tenants in the embedded broker's topic.
        let stateKey = Data(repeating: 5, count: 32).base64EncodedString()
        let configPath = try devConfiguration(
            port: port, extra: controlPlane ? "\ncontrolPlane: {enabled: true, stateKeys: [\"\(stateKey)\"]}\n" : "")
        let service = Process()
        service.executableURL = URL(fileURLWithPath: executable)
        service.arguments = ["run", "--config", configPath]
        service.environment = devEnvironment(adminToken: token)
        service.currentDirectoryURL = repositoryRoot
        service.standardOutput = FileHandle.nullDevice
        service.standardError = FileHandle.nullDevice
        try service.run()
        defer { if service.isRunning { service.terminate() } }
        let admin = "http://127.0.0.1:\(port)"
        var document: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while document == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            if let response = try? await HTTPClient.shared.get(url: "\(admin)/admin/openapi.yaml").get(),
                response.status == .ok
            {
                document = response.body.map { String(buffer: $0) }
            }
        }
        let text = try #require(document, "the document is served without a token")

        // The document's channels are the service's.
        let yaml = try #require(try Yams.load(yaml: text) as? [String: Any])
        let schemas = ((yaml["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let tenant = (schemas?["Tenant"] as? [String: Any])?["properties"] as? [String: Any]
        let channels = (tenant?["channel"] as? [String: Any])?["enum"] as? [String]
        #expect(channels == PaymentChannel.allCases.map(\.topicFragment))

        // The document's PEM formats are generated from certificates made here (see the hooks file):
        // the service checks PEM text, so only real certificates and keys are valid input.
        let certificates = try TestCertificates()
        /// Runs schemathesis on the document with `arguments` (and a configuration file); expects no issue.
        func fuzz(_ arguments: [String], configuration: String? = nil) throws {
            let (status, output) = try runProcess(
                repositoryRoot.appendingPathComponent(".venv/bin/schemathesis"),
                (configuration.map { ["--config-file", $0] } ?? []) + [
                    "run", "\(admin)/admin/openapi.yaml", "--url", admin, "-H", "Authorization: Bearer \(token)",
                    "--checks", "all", "--max-examples", "40", "--no-color",
                ] + arguments,
                environment: [
                    "SCHEMATHESIS_HOOKS":
                        repositoryRoot.appendingPathComponent("Tests/interop/schemathesis_hooks.py").path,
                    "BRIDGE_TEST_PEM_DIRECTORY": certificates.directory.path,
                ])
            #expect(status == 0, "\(arguments): \(output.suffix(3000))")
            // No issue; a warning that random ids found nothing to act on (404) is not one.
            let onlyMissingData =
                output.contains("Missing test data") && !output.contains("FAILURES")
                && output.range(of: #"Test cases:\s*\n[^\n]*failed"#, options: .regularExpression) == nil
            #expect(output.contains("No issues found") || onlyMissingData, "\(arguments): \(output.suffix(3000))")
            #expect(!output.contains(token), "the token is not echoed")
        }
        // The tenant actions (rotate-secret, pause, resume, enable, retry-now).
        let actions = "^/admin/tenants/\\{id\\}/"
        guard controlPlane else {
            // The file's tenants only: every change, every action included, is refused (409).
            try fuzz([])
            return
        }
        try fuzz(["--exclude-path-regex", actions])
        // A random id finds no tenant: the actions are fuzzed on their own (without DELETE, which
        // could remove it), on a webhook tenant of the control plane that exists.
        let environment = serviceEnvironment(adding: ["PAYMENTS_BRIDGE_ADMIN_TOKEN": token])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tenant-\(port).yaml").path
        func apply(_ yaml: String) async throws -> ProcessResult {
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            return try await runCLI(
                ["tenants", "apply", "-f", file, "--admin", admin], environment: environment,
                timeout: .seconds(20))
        }
        let firstSecret = "whsec_" + Data("first-secret-of-the-cli-tests".utf8).base64EncodedString()
        let fuzzed = try await apply(
            "{id: FUZZED-HOOK, channel: partner, delivery: webhook, "
                + "webhook: {url: \"https://hook.example/h\", secrets: [\"\(firstSecret)\"]}}")
        #expect(fuzzed.status == 0, "\(fuzzed.output)")
        let configuration = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(port).toml").path
        try """
        [[operations]]
        include-path-regex = "\(actions.replacingOccurrences(of: "\\", with: "\\\\"))"
        parameters = { "id" = "FUZZED-HOOK" }
        """.write(toFile: configuration, atomically: true, encoding: .utf8)
        try fuzz(["--include-path-regex", actions], configuration: configuration)

        // The tenants commands change the control plane's tenants.
        let created = try await apply("id: API-CLI\nchannel: partner\n")
        #expect(created.status == 0 && created.output.contains("created tenant API-CLI"))
        let replaced = try await apply("{id: API-CLI, channel: web, delivery: kafka}")
        #expect(replaced.status == 0 && replaced.output.contains("replaced tenant API-CLI"))
        // TLS files named in the tenant's file are read by the command and sent as PEM text; with
        // an OAuth2 client. Shown without the key, its passphrase or the client secret.
        let authenticated = try await apply(
            """
            id: API-TLS
            channel: partner
            delivery: webhook
            webhook:
              url: "https://hook.example/h"
              secrets: ["\(firstSecret)"]
              tls: \(certificates.tlsYAML(passphrase: certificates.passphrase))
              oauth2: {tokenUrl: "https://auth.example/token", clientId: bridge, clientSecret: "client-secret-do-not-log"}
            """)
        #expect(
            authenticated.status == 0 && authenticated.output.contains("created tenant API-TLS"),
            "\(authenticated.output)")
        let shown = try await runCLI(
            ["tenants", "show", "API-TLS", "--admin", admin], environment: environment, timeout: .seconds(20))
        #expect(shown.output.contains(#""subject" : "CN=payments-bridge""#), "\(shown.output)")
        #expect(shown.output.contains(#""clientId" : "bridge""#))
        #expect(!shown.output.contains("PRIVATE KEY") && !shown.output.contains("do-not-log"))
        let listed = try await runCLI(
            ["tenants", "list", "--admin", admin], environment: environment, timeout: .seconds(20))
        #expect(listed.output.contains("API-CLI") && listed.output.contains("controlPlane"))
        let fileTenant = try await apply("id: PARTNER-ABC\nchannel: partner\n")
        #expect(fileTenant.status != 0 && fileTenant.output.contains("managed by the configuration file"))
        let invalid = try await apply("id: API-CLI\nchannel: fax\n")
        #expect(invalid.status != 0 && invalid.output.contains("channel"))
        try await stateCommands(admin: admin, environment: environment, apply: apply)

        let deleted = try await runCLI(
            ["tenants", "delete", "API-CLI", "--admin", admin], environment: environment,
            timeout: .seconds(20))
        #expect(deleted.status == 0 && deleted.output.contains("deleted tenant API-CLI"))
        let again = try await runCLI(
            ["tenants", "delete", "API-CLI", "--admin", admin], environment: environment,
            timeout: .seconds(20))
        #expect(again.status != 0 && again.output.contains("no tenant 'API-CLI'"))
    }

    /// The commands that rotate a tenant's secret and change its state, against the running service
    /// (API-CLI: a Kafka tenant of the control plane; PARTNER-ABC: the file's).
    func stateCommands(
        admin: String, environment: [String: String], apply: (String) async throws -> ProcessResult
    ) async throws {
        func tenants(_ arguments: [String], token: Bool = true) async throws -> ProcessResult {
            try await runCLI(
                ["tenants"] + arguments + ["--admin", admin],
                environment: token ? environment : serviceEnvironment(), timeout: .seconds(20))
        }
        let firstSecret = "whsec_" + Data("the-hook-s-first-secret".utf8).base64EncodedString()
        let created = try await apply(
            "{id: API-HOOK, channel: partner, delivery: webhook, "
                + "webhook: {url: \"https://hook.example/h\", secrets: [\"\(firstSecret)\"]}}")
        #expect(created.status == 0 && created.output.contains("created tenant API-HOOK"), "\(created.output)")

        // A generated secret, shown once; the first one keeps signing for the hour asked.
        let rotated = try await tenants(["rotate-secret", "API-HOOK", "--overlap", "1h"])
        #expect(rotated.status == 0 && rotated.output.contains("shown only now"), "\(rotated.output)")
        let generated = try #require(
            rotated.output.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.hasPrefix("whsec_") })
        #expect(generated != firstSecret && rotated.output.contains("signs too until"))
        // A given secret, in JSON: the tenant and the secret.
        let given = "whsec_" + Data("the-hook-s-given-secret".utf8).base64EncodedString()
        let json = try await tenants(["rotate-secret", "API-HOOK", "--secret", given, "--output", "json"])
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any], "\(json.output)")
        #expect(answer["secret"] as? String == given)
        let webhook = (answer["tenant"] as? [String: Any])?["webhook"] as? [String: Any]
        #expect((webhook?["retiringSecrets"] as? [Any])?.count == 2 && webhook?["secretCount"] as? Int == 1)
        // Never shown again.
        for arguments in [["show", "API-HOOK"], ["list"], ["list", "--output", "json"]] {
            let shown = try await tenants(arguments)
            #expect(shown.status == 0 && shown.output.contains("API-HOOK"))
            #expect(!shown.output.contains("whsec_"), "\(arguments)")
        }

        let paused = try await tenants(["pause", "API-HOOK"])
        #expect(paused.status == 0 && paused.output.hasPrefix("paused tenant API-HOOK"), "\(paused.output)")
        #expect(paused.output.contains("STATE") && paused.output.contains("paused"))
        let listed = try await tenants(["list"])
        #expect(listed.output.split(separator: "\n").contains { $0.hasPrefix("API-HOOK") && $0.contains("paused") })
        let resumed = try await tenants(["resume", "API-HOOK", "--output", "json"])
        let resumedTenant = try JSONSerialization.jsonObject(with: Data(resumed.output.utf8)) as? [String: Any]
        #expect(resumedTenant?["paused"] as? Bool == false && resumedTenant?["id"] as? String == "API-HOOK")
        let enabled = try await tenants(["enable", "API-HOOK", "--output", "json"])
        #expect(enabled.status == 0 && enabled.output.contains(#""enabledAt" : "20"#), "\(enabled.output)")
        let retried = try await tenants(["retry-now", "API-HOOK"])
        #expect(retried.status == 0 && retried.output.contains("made the pending retries due now for tenant API-HOOK"))
        #expect(try await tenants(["show", "API-HOOK"]).output.contains(#""retryNowAt" : "20"#))

        // Refusals, each naming its reason.
        let refusals: [([String], String)] = [
            (["rotate-secret", "API-CLI"], "no webhook secret"),
            (["rotate-secret", "API-HOOK", "--overlap", "soon"], "overlap"),
            (["rotate-secret", "API-HOOK", "--secret", "hunter2"], "secret"),
            (["pause", "PARTNER-ABC"], "managed by the configuration file"),
            (["enable", "NOBODY"], "no tenant 'NOBODY'"),
        ]
        for (arguments, reason) in refusals {
            let refused = try await tenants(arguments)
            #expect(refused.status != 0 && refused.output.contains(reason), "\(arguments): \(refused.output)")
            #expect(!refused.output.contains("hunter2"))
        }
        let anonymous = try await tenants(["pause", "API-HOOK"], token: false)
        #expect(anonymous.status != 0 && anonymous.output.contains("PAYMENTS_BRIDGE_ADMIN_TOKEN"))
        #expect(try await tenants(["show", "API-HOOK"]).output.contains(#""paused" : false"#), "nothing changed")
    }
}
