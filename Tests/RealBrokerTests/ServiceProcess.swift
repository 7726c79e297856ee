import AsyncHTTPClient
import Foundation
import TestSupport

/// The real `payments-bridge run` binary with a configuration written for the test, its output
/// kept for assertions.
final class ServiceProcess {
    let adminPort: Int
    let configPath: String
    private let process = Process()
    private let output: URL

    init(config: String, adminPort: Int) throws {
        self.adminPort = adminPort
        configPath = FileManager.default.temporaryDirectory.appendingPathComponent("service-\(adminPort)-\(UUID().uuidString).yaml").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        output = FileManager.default.temporaryDirectory.appendingPathComponent("service-\(adminPort)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", "--config", configPath, "--schemas", repositoryRoot.appendingPathComponent("schemas").path]
        let log = try FileHandle(forWritingTo: output)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit { kill() }

    /// `kill -9`: no shutdown code runs.
    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// SIGTERM, then waits; returns the exit status.
    func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    func waitForReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = try? await HTTPClient.shared.get(url: "http://127.0.0.1:\(adminPort)/health/ready").get().status.code,
               status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TansuError("the service did not become ready on port \(adminPort)")
    }

    func metrics() async throws -> String {
        let response = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(adminPort)/metrics").get()
        return response.body.map { String(buffer: $0) } ?? ""
    }
}
