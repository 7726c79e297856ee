import Foundation
import Logging

/// The repository's root folder (where `schemas/`, `config/` and `Tests/` are).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// The Python virtual environment `scripts/setup.sh` makes (the real broker and third-party peers).
public let venv = repositoryRoot.appendingPathComponent(".venv")

/// The built `payments-bridge` executable, next to the test bundle.
public let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("payments-bridge").path

/// A logger for clients under test: quiet unless BRIDGE_TEST_LOG names a level (e.g. `info`).
public let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel =
        ProcessInfo.processInfo.environment["BRIDGE_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// The text of the contract's record schema, `schemas/PaymentResponse.avsc`.
public func paymentResponseSchemaText() throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("schemas/PaymentResponse.avsc"), encoding: .utf8)
}

/// A new empty directory under the system's temporary directory.
public func temporaryDirectory(_ prefix: String) -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// A `state:` section with a new temporary directory (the payment history of a service under test).
public func temporaryStateYAML() -> String {
    "state: {directory: \"\(temporaryDirectory("state").path)\"}"
}
