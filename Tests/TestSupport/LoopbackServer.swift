import Foundation
import Hummingbird
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Serves `router` on a free port of a loopback `host` while `body` runs with the port, then
/// stops; quietly.
public func serveOnLoopback<T: Sendable>(
    _ router: Router<BasicRequestContext>, host: String = "127.0.0.1",
    _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    let port = Mutex<Int?>(nil)
    let app = Application(
        router: router, configuration: .init(address: .hostname(host, port: 0)),
        onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
        logger: quietLogger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await app.runService(gracefulShutdownSignals: [])
            return nil
        }
        while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let result = try await body(port.withLock { $0 }!)
        group.cancelAll()
        return result
    }
}

/// A loopback port nothing listens on (bound, then closed): connections to it are refused at
/// once, as they are to a partner whose service is down.
public func closedLoopbackPort() -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            _ = bind(socket, pointer, length)
            return getsockname(socket, pointer, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
