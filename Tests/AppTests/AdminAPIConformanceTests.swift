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

        let fuzz = Process()
        fuzz.executableURL = repositoryRoot.appendingPathComponent(".venv/bin/schemathesis")
        fuzz.arguments = [
            "run", "\(admin)/admin/openapi.yaml", "--url", admin, "-H", "Authorization: Bearer \(token)",
            "--checks", "all", "--max-examples", "40", "--no-color",
        ]
        let pipe = Pipe()
        fuzz.standardOutput = pipe
        fuzz.standardError = pipe
        try fuzz.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        fuzz.waitUntilExit()
        #expect(fuzz.terminationStatus == 0, "\(output.suffix(3000))")
        #expect(output.contains("No issues found"))
        #expect(!output.contains(token), "the token is not echoed")

        guard controlPlane else { return }
        // The tenants commands change the control plane's tenants.
        let environment = serviceEnvironment(adding: ["PAYMENTS_BRIDGE_ADMIN_TOKEN": token])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tenant-\(port).yaml").path
        func apply(_ yaml: String) async throws -> ProcessResult {
            try yaml.write(toFile: file, atomically: true, encoding: .utf8)
            return try await runCLI(
                ["tenants", "apply", "-f", file, "--admin", admin], environment: environment,
                timeout: .seconds(20))
        }
        let created = try await apply("id: API-CLI\nchannel: partner\n")
        #expect(created.status == 0 && created.output.contains("created tenant API-CLI"))
        let replaced = try await apply("{id: API-CLI, channel: web, delivery: kafka}")
        #expect(replaced.status == 0 && replaced.output.contains("replaced tenant API-CLI"))
        let listed = try await runCLI(
            ["tenants", "list", "--admin", admin], environment: environment, timeout: .seconds(20))
        #expect(listed.output.contains("API-CLI") && listed.output.contains("controlPlane"))
        let fileTenant = try await apply("id: PARTNER-ABC\nchannel: partner\n")
        #expect(fileTenant.status != 0 && fileTenant.output.contains("managed by the configuration file"))
        let invalid = try await apply("id: API-CLI\nchannel: fax\n")
        #expect(invalid.status != 0 && invalid.output.contains("channel"))
        let deleted = try await runCLI(
            ["tenants", "delete", "API-CLI", "--admin", admin], environment: environment,
            timeout: .seconds(20))
        #expect(deleted.status == 0 && deleted.output.contains("deleted tenant API-CLI"))
        let again = try await runCLI(
            ["tenants", "delete", "API-CLI", "--admin", admin], environment: environment,
            timeout: .seconds(20))
        #expect(again.status != 0 && again.output.contains("no tenant 'API-CLI'"))
    }
}
