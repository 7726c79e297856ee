import Admin
import Hummingbird

/// Serves `router` on a free port of a loopback `host` while `body` runs with the port, quietly.
public func serveOnLoopback<T: Sendable>(_ router: Router<BasicRequestContext>, host: String = "127.0.0.1",
                                         _ body: @Sendable (Int) async throws -> T) async throws -> T {
    try await serveOnLoopback(router, host: host, logger: quietLogger, body)
}
