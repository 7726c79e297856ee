import AsyncHTTPClient
import Foundation

/// The real `payments-bridge run` binary with a configuration written for the test, its output
/// kept for assertions. With `BRIDGE_TEST_ARTIFACTS` set (scripts/test.sh sets it), the output and
/// every metrics scrape are kept in that folder, which the test script searches for secrets.
public final class ServiceProcess {
    public let adminPort: Int
    public let configPath: String
    private let process = Process()
    private let output: URL

    /// The process's working directory: where the default `state.directory` (`./state`) is.
    public let workingDirectory: URL

    /// `environment`: variables added to the test's own (e.g. secrets the configuration names);
    /// `workingDirectory`: a fresh temporary one unless given (a restart that keeps its state).
    public init(
        config: String, adminPort: Int, arguments: [String] = [], environment: [String: String] = [:],
        workingDirectory: URL? = nil
    ) throws {
        self.adminPort = adminPort
        configPath =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "service-\(adminPort)-\(UUID().uuidString).yaml"
            ).path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        output = Self.artifacts.appendingPathComponent("service-\(adminPort)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        self.workingDirectory = workingDirectory ?? temporaryDirectory("service")
        process.currentDirectoryURL = self.workingDirectory
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments =
            ["run", "--config", configPath, "--schemas", repositoryRoot.appendingPathComponent("schemas").path]
            + arguments
        let log = try FileHandle(forWritingTo: output)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        }
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit { kill() }

    /// `kill -9`: no shutdown code runs.
    public func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// SIGTERM, then waits; returns the exit status.
    public func terminate() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// `SIGHUP`: the service reads its TLS files again.
    public func hangUp() { _ = SwiftGlibc.kill(process.processIdentifier, SIGHUP) }

    public var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    public func waitForReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = try? await HTTPClient.shared.get(url: "http://127.0.0.1:\(adminPort)/health/ready").get()
                .status.code,
                status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ServiceProcessError("the service did not become ready on port \(adminPort)")
    }

    public func metrics() async throws -> String {
        let response = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(adminPort)/metrics").get()
        let text = response.body.map { String(buffer: $0) } ?? ""
        if ProcessInfo.processInfo.environment["BRIDGE_TEST_ARTIFACTS"] != nil {
            try? text.write(
                to: Self.artifacts.appendingPathComponent("metrics-\(adminPort)-\(UUID().uuidString).txt"),
                atomically: true, encoding: .utf8)
        }
        return text
    }

    /// Where service output goes.
    static let artifacts: URL = {
        guard let folder = ProcessInfo.processInfo.environment["BRIDGE_TEST_ARTIFACTS"] else {
            return FileManager.default.temporaryDirectory
        }
        let url = URL(fileURLWithPath: folder)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}

extension ServiceProcess {
    /// The process's resident memory now and its peak so far, in MiB (from /proc).
    public var memory: (resident: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func kibibytes(_ field: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
                let value = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({
                    Double($0)
                })
            else { return 0 }
            return value / 1024
        }
        return (kibibytes("VmRSS"), kibibytes("VmHWM"))
    }

    /// The sum of a metric's samples whose labels contain all of `labels` (e.g. `tenant="T1"`).
    public func metric(_ name: String, _ labels: String...) async throws -> Double {
        let text = try await metrics()
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            guard labels.allSatisfy({ line.contains($0) }),
                let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            total += value
        }
        return total
    }
}

public struct ServiceProcessError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Runs the service's executable with `arguments` to its end: its exit status and its output
/// (stdout and stderr together). `environment`: variables added to the test's own.
public func runExecutable(_ arguments: [String], environment: [String: String] = [:]) throws -> (
    status: Int32, output: String
) {
    try runProcess(URL(fileURLWithPath: executable), arguments, environment: environment)
}

/// Runs `program` with `arguments` to its end: its exit status and its output (stdout and stderr
/// together). `environment`: variables added to the test's own.
public func runProcess(_ program: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> (
    status: Int32, output: String
) {
    let process = Process()
    process.executableURL = program
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
    }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    try process.run()
    let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}
