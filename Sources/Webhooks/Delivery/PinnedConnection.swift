import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Pooled HTTP connections to one URL's host, pinned to the address the SSRF policy checked: the
/// host name is resolved off Swift's cooperative threads (again after a minute), the address is
/// checked (`AddressPolicy`), and the client connects only there while TLS still verifies the
/// host name. No redirects are followed. Used for a partner's endpoint and for its OAuth2 token
/// endpoint.
final class PinnedConnection: Sendable {
    struct Settings: Sendable {
        var allowPrivateNetwork = false
        var connectTimeout: Duration = .seconds(5)
        var maxConnections = 16
        var tls: EndpointTLS?
    }

    /// Turns a host name into the address a connection would go to (blocking: called off
    /// Swift's cooperative threads).
    typealias Resolver = @Sendable (_ host: String, _ port: Int) throws -> SocketAddress

    enum Failure: Error {
        /// The address is not allowed (the reason).
        case blocked(String)
        /// The name does not resolve.
        case connection(String)
    }

    let url: URL
    /// The URL's path and query, as a request line names them.
    let requestURI: String
    private let settings: Settings
    private let host: String
    private let port: Int
    private let literal: IPAddress?
    private let resolver: Resolver
    private let state = Mutex(State())
    private let resolutionLifetime: Int64 = 60_000

    private struct State {
        var client: HTTPClient?
        /// The webhook pool and the address it connects to.
        var pool: (pool: HTTP1Pool, address: String)?
        var address: String?
        var resolvedAt: Int64 = .min
        var retired: [HTTPClient] = []
    }

    /// Nil when `url` is not an absolute http(s) URL with a host.
    init?(url: URL, settings: Settings, resolver: @escaping Resolver) {
        guard let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", let host = url.host,
            !host.isEmpty
        else { return nil }
        self.url = url
        let path = url.path(percentEncoded: true)
        requestURI = (path.isEmpty ? "/" : path) + (url.query(percentEncoded: true).map { "?\($0)" } ?? "")
        self.settings = settings
        self.host = host
        port = url.port ?? (scheme == "https" ? 443 : 80)
        literal = IPAddress(host)
        self.resolver = resolver
    }

    /// The SSRF decision now: the address a connection would go to, or why none may.
    func checkedAddress(now: Int64) async -> Result<String, Failure> {
        if let literal { return verdict(literal) }
        if let cached = state.withLock({ s in s.address.flatMap { now - s.resolvedAt < resolutionLifetime ? $0 : nil } }
        ) {
            return .success(cached)
        }
        let (host, port, resolver) = (self.host, self.port, self.resolver)
        let resolved: Result<SocketAddress, Error> = await withCheckedContinuation { continuation in
            // getaddrinfo blocks: keep it off Swift's cooperative threads.
            DispatchQueue.global().async {
                continuation.resume(returning: Result { try resolver(host, port) })
            }
        }
        guard case .success(let address) = resolved, let text = address.ipAddress, let ip = IPAddress(text) else {
            return .failure(.connection("cannot resolve \(host)"))
        }
        let result = verdict(ip)
        if case .success(let text) = result {
            state.withLock { s in
                if s.address != text, let old = s.client {
                    s.retired.append(old)
                    s.client = nil
                }
                s.address = text
                s.resolvedAt = now
            }
        }
        return result
    }

    private func verdict(_ address: IPAddress) -> Result<String, Failure> {
        switch AddressPolicy.verdict(for: address, allowPrivateNetwork: settings.allowPrivateNetwork) {
        case .allowed: .success(address.text)
        case .refused(let kind): .failure(.blocked("\(host) resolves to a \(kind) address (\(address))"))
        }
    }

    /// The pooled AsyncHTTPClient (for the OAuth2 token endpoint), connecting only to `address`
    /// (the one that was checked).
    func client(for address: String) -> HTTPClient {
        state.withLock { s in
            if let client = s.client { return client }
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            // The request's deadline bounds the whole exchange; an idle-read timer as well would be
            // one more timer set and cancelled per request.
            configuration.timeout = .init(connect: .milliseconds(settings.connectTimeout.milliseconds))
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.maxConnections)
            configuration.decompression = .disabled
            // No span per request: the service installs no tracer, and starting one on the no-op
            // tracer cost about 6 µs of CPU per request (benchmarks/HTTPFloorBenchmark).
            configuration.tracing.tracer = nil
            // A connection that cannot be made is tried again until the connect timeout (a refused
            // or reset connection is often momentary); then the attempt fails with the last
            // connection's own error (e.g. the TLS handshake's reason).
            if let tls = settings.tls { configuration.tlsConfiguration = tls.configuration }
            if literal == nil { configuration.dnsOverride = [host: address] }
            let client = HTTPClient(
                eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton), configuration: configuration)
            s.client = client
            return client
        }
    }

    /// The webhook connections: the sink's own HTTP/1.1 client, connecting only to `address`
    /// (the one that was checked).
    func pool(for address: String) throws -> HTTP1Pool {
        try state.withLock { s in
            if let current = s.pool {
                if current.address == address { return current.pool }
                // The name resolves elsewhere now: the old pool's idle connections are closed
                // (its busy ones when their requests end).
                current.pool.shutdown()
                s.pool = nil
            }
            let target = HTTP1Pool.Target(
                address: try SocketAddress(ipAddress: address, port: port), host: host, port: port,
                isLiteral: literal != nil, connectTimeout: settings.connectTimeout, maxIdle: settings.maxConnections)
            let tls =
                url.scheme?.lowercased() == "https" ? settings.tls?.configuration ?? .makeClientConfiguration() : nil
            let pool = try HTTP1Pool(target: target, tls: tls)
            s.pool = (pool, address)
            return pool
        }
    }

    /// Closes the pooled connections.
    func shutdown() async {
        let (clients, pool) = state.withLock { s -> ([HTTPClient], HTTP1Pool?) in
            defer { (s.client, s.pool, s.retired) = (nil, nil, []) }
            return (s.retired + (s.client.map { [$0] } ?? []), s.pool?.pool)
        }
        pool?.shutdown()
        for client in clients { try? await client.shutdown() }
    }
}
