import AsyncHTTPClient
import Foundation
import TestSupport
import Testing

struct ProcessResult {
    var status: Int32
    var output: String
}

/// This process's environment without the variables the shipped configuration files read,
/// plus `adding`: what a service started by a test sees.
func serviceEnvironment(adding: [String: String] = [:]) -> [String: String] {
    ProcessInfo.processInfo.environment
        .filter { !$0.key.hasPrefix("PARTNER_ABC_") && $0.key != "ADMIN_LISTEN" }
        .merging(adding) { $1 }
}

/// `config/dev.yaml` listening on `port`, with an admin token read from `ADMIN_TOKEN_OPS` (as a
/// deployment would set one) and `extra` appended; returns the written file's path.
func devConfiguration(port: Int, extra: String = "") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("bridge-\(port).yaml").path
    let base = try String(contentsOf: repositoryRoot.appendingPathComponent("config/dev.yaml"), encoding: .utf8)
    let config =
        base.replacingOccurrences(
            of: "listen: 127.0.0.1:8088",
            with: "listen: 127.0.0.1:\(port)\n  tokens: [{name: ops, token: \"${ADMIN_TOKEN_OPS}\"}]") + extra
    try config.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The environment of a service run on `devConfiguration`: as `make run` starts it, a random
/// partner secret for the run; and the admin token.
func devEnvironment(adminToken: String) -> [String: String] {
    serviceEnvironment(adding: [
        "PARTNER_ABC_SECRET": "whsec_" + Data(UUID().uuidString.utf8).base64EncodedString(),
        "ADMIN_TOKEN_OPS": adminToken,
    ])
}

/// Runs the executable to completion with a time limit.
func runCLI(
    _ arguments: [String], environment: [String: String] = serviceEnvironment(),
    timeout: Duration = .seconds(60)
) async throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    process.currentDirectoryURL = repositoryRoot
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return ProcessResult(status: process.terminationStatus, output: output)
}

@Suite("payments-bridge command line", .serialized)
struct CommandLineTests {
    @Test("--help works on every command", arguments: [[], ["run"], ["schema"], ["schema", "check"]])
    func help(command: [String]) async throws {
        let result = try await runCLI(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("USAGE: payments-bridge"))
    }

    @Test("run serves health on the embedded broker with the development file and stops cleanly on SIGTERM")
    func runOnEmbeddedBroker() async throws {
        let port = try freeLoopbackPort()
        // An admin token from the environment, as a deployment would set one.
        let adminToken = "ops-do-not-log-" + UUID().uuidString
        let configPath = try devConfiguration(port: port)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", "--config", configPath]
        process.environment = devEnvironment(adminToken: adminToken)
        process.currentDirectoryURL = repositoryRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        var live: UInt?
        var ready: UInt?
        var schemaBody = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, ready != 200 {
            try await Task.sleep(for: .milliseconds(200))
            live = try? await HTTPClient.shared.get(url: "http://127.0.0.1:\(port)/health/live").get().status.code
            ready = try? await HTTPClient.shared.get(url: "http://127.0.0.1:\(port)/health/ready").get().status.code
        }
        #expect(live == 200)
        #expect(ready == 200)
        if let response = try? await HTTPClient.shared.get(url: "http://127.0.0.1:\(port)/metrics").get() {
            schemaBody = response.body.map { String(buffer: $0) } ?? ""
        }
        #expect(schemaBody.contains("payments_bridge_kafka_brokers 3"))

        // The admin API: the tenants of the file for the token's holder, nothing without it.
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/admin/tenants")
        let refused = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        #expect(refused.status == .unauthorized)
        request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
        let listed = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let tenants = String(buffer: try await listed.body.collect(upTo: 1 << 20))
        #expect(listed.status == .ok)
        #expect(tenants.contains(#""id":"PARTNER-ABC""#) && tenants.contains(#""managedBy":"configuration""#))
        #expect(!tenants.contains("whsec_"), "no secret in the answer")

        // The tenants commands talk to it with the token from the environment.
        let admin = ["--admin", "http://127.0.0.1:\(port)"]
        let withToken = serviceEnvironment(adding: ["PAYMENTS_BRIDGE_ADMIN_TOKEN": adminToken])
        let table = try await runCLI(["tenants", "list"] + admin, environment: withToken, timeout: .seconds(20))
        #expect(table.status == 0)
        #expect(
            table.output.hasPrefix("ID ") && table.output.contains("PARTNER-ABC")
                && table.output.contains("configuration"))
        let shown = try await runCLI(
            ["tenants", "show", "PARTNER-ABC"] + admin, environment: withToken, timeout: .seconds(20))
        #expect(shown.status == 0 && shown.output.contains(#""secretCount" : 1"#) && !shown.output.contains("whsec_"))
        let unknown = try await runCLI(
            ["tenants", "show", "NOBODY"] + admin, environment: withToken, timeout: .seconds(20))
        #expect(unknown.status != 0 && unknown.output.contains("no tenant 'NOBODY'"))
        let anonymous = try await runCLI(["tenants", "list"] + admin, timeout: .seconds(20))
        #expect(anonymous.status != 0 && anonymous.output.contains("PAYMENTS_BRIDGE_ADMIN_TOKEN"))

        let stopAsked = ContinuousClock.now
        process.terminate()  // SIGTERM
        while process.isRunning, ContinuousClock.now - stopAsked < .seconds(15) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(!process.isRunning, "stops within seconds")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("stopped"))
        #expect(!output.contains("whsec_"), "secrets never reach the logs")
        #expect(!output.contains(adminToken), "nor the admin token")
        #expect(output.contains("development setting: webhooks may go to plain http or private addresses"))
    }

    @Test("the shipped configuration does not start without the partner's secret, and says which variable is missing")
    func missingSecret() async throws {
        let result = try await runCLI(
            ["run", "--config", "config/bridge.yaml"],
            environment: serviceEnvironment(adding: [
                "PARTNER_ABC_URL": "https://partner-abc.example/webhooks",
                "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
            ]),
            timeout: .seconds(20))
        #expect(result.status == 2)
        #expect(
            result.output.contains(
                "configuration key 'tenants[1].webhook.secrets[0]': environment variable PARTNER_ABC_SECRET is not set")
        )
    }

    @Test("an invalid configuration fails at start-up naming the key")
    func invalidConfiguration() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).yaml").path
        try "bridge:\n  maxEventBytes: -5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await runCLI(["run", "--config", path])
        #expect(result.status == 2)
        #expect(result.output.contains("bridge.maxEventBytes"))
        let missing = try await runCLI(["run", "--config", "/nonexistent/bridge.yaml"])
        #expect(missing.status == 2)
        #expect(missing.output.contains("/nonexistent/bridge.yaml"))
    }

    @Test("schema check passes compatible versions and exits 1 on a break")
    func schemaCheck() async throws {
        // The default is BACKWARD against every kept version; why FORWARD does not hold is told, naming the symbols.
        let ok = try await runCLI(["schema", "check"])
        #expect(ok.status == 0)
        #expect(
            ok.output.contains(
                "PaymentResponse: current version against 1 kept version(s), backward (transitive) compatibility: ok"))
        #expect(ok.output.contains("not FORWARD compatible"))
        #expect(ok.output.contains("history/PaymentResponse.v1.avsc"))
        #expect(ok.output.contains("PAYMENT_COMPLIANCE_HOLD") && ok.output.contains("COMPLIANCE, UNKNOWN"))
        let full = try await runCLI(["schema", "check", "--mode", "full"])
        #expect(full.status == 1)
        let fixtures = "Tests/AvroTests/Fixtures"
        let compatible = try await runCLI(["schema", "check", "--dir", "\(fixtures)/compatible"])
        #expect(compatible.status == 0)
        #expect(!compatible.output.contains("not FORWARD"))
        let removed = try await runCLI(["schema", "check", "--dir", "\(fixtures)/removed-required", "--mode", "full"])
        #expect(removed.status == 1)
        #expect(removed.output.contains("amount"))
        let changed = try await runCLI(["schema", "check", "--dir", "\(fixtures)/type-changed", "--mode", "backward"])
        #expect(changed.status == 1)
    }
}
