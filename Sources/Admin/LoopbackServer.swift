import Hummingbird
import Logging
import Synchronization

/// Serves `router` on a free port of a loopback `host` while `body` runs with the port, then
/// stops. For the demo's partner endpoint and the tests' stand-ins.
public func serveOnLoopback<T: Sendable>(_ router: Router<BasicRequestContext>, host: String = "127.0.0.1", logger: Logger,
                                         _ body: @Sendable (Int) async throws -> T) async throws -> T {
    let port = Mutex<Int?>(nil)
    let app = Application(router: router, configuration: .init(address: .hostname(host, port: 0)),
                          onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
                          logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []); return nil }
        while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let result = try await body(port.withLock { $0 }!)
        group.cancelAll()
        return result
    }
}
