import Foundation

/// A script of `Tests/interop/` run with the venv's Python as a server on a loopback `port`:
/// started, and waited for until it listens. Stop it with `stop()` (SIGKILL: children of the
/// test process inherit its blocked SIGTERM).
public final class InteropServer: @unchecked Sendable {  // process is only touched by init and stop
    private let process = Process()

    public init(script: String, arguments: [String], port: Int) throws {
        process.executableURL = venv.appendingPathComponent("bin/python")
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/interop/\(script)").path] + arguments
        // Not the test's own output: an orphaned server would keep `swift test` waiting for it.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(20)
        while !canConnect(port: port) {
            guard ContinuousClock.now < deadline else { throw TLSPartnerError("\(script) did not start") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit { stop() }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
