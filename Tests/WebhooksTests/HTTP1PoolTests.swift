import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

@testable import Webhooks

/// The sink's HTTP/1.1 client against a loopback server that answers each request with bytes the
/// test writes (interim answers, chunked bodies, closed connections, garbage), counting the
/// connections it accepts.
@Suite("The sink's HTTP/1.1 client")
struct HTTP1PoolTests {
    static let ok = Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)

    @Test func sequentialRequestsShareOneKeepAliveConnection() async throws {
        let server = try await RawHTTPServer { _ in .answer(Self.ok) }
        let pool = try server.pool()
        for _ in 0..<5 { #expect(try await pool.post().status == 204) }
        #expect(server.connections == 1)
        #expect(server.requests.count == 5)
        let request = String(decoding: server.requests[0], as: UTF8.self)
        #expect(request.hasPrefix("POST /hooks?x=1 HTTP/1.1\r\n"))
        #expect(request.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
        #expect(request.contains("\r\nContent-Length: 7\r\n"))
        #expect(request.hasSuffix("\r\n\r\n{\"a\":1}"))
        pool.shutdown()
        await server.stop()
    }

    @Test func concurrentRequestsOpenConnectionsAndKeepAtMostTheIdleLimit() async throws {
        // The first four requests are answered only once all four have arrived: four connections.
        let server = try await RawHTTPServer { index in index < 4 ? .held(Self.ok, until: 4) : .answer(Self.ok) }
        let pool = try server.pool(maxIdle: 2)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await pool.post().status } }
            for try await status in group { #expect(status == 204) }
        }
        #expect(server.connections == 4)
        try await eventually("two of the four connections closed, two kept") { server.openConnections == 2 }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 { group.addTask { try await pool.post().status } }
            for try await status in group { #expect(status == 204) }
        }
        #expect(server.connections == 4, "the two kept connections carry the next requests")
        pool.shutdown()
        await server.stop()
    }

    @Test func interimAnswersAreSkippedAndAChunkedBodyIsRead() async throws {
        let body = "4\r\nbusy\r\n7\r\n, later\r\n0\r\n\r\n"
        let server = try await RawHTTPServer { _ in
            .answer(
                Array(
                    ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + body).utf8))
        }
        let pool = try server.pool()
        let response = try await pool.post()
        #expect(response.status == 503)
        #expect(response.retryAfter == "7")
        #expect(String(decoding: response.excerpt, as: UTF8.self) == "busy, later")
        #expect(!response.cut)
        _ = try await pool.post()
        #expect(server.connections == 1)
        pool.shutdown()
        await server.stop()
    }

    @Test func aBodyOverTheCapIsCutAndItsConnectionClosed() async throws {
        let long = String(repeating: "x", count: 10_000)
        let server = try await RawHTTPServer { _ in
            .answer(Array("HTTP/1.1 200 OK\r\nContent-Length: \(long.utf8.count)\r\n\r\n\(long)".utf8))
        }
        let pool = try server.pool()
        let response = try await pool.post(maxBodyBytes: 1000, excerptBytes: 10)
        #expect(response.status == 200)
        #expect(response.cut)
        #expect(response.excerpt == Array("xxxxxxxxxx".utf8))
        try await eventually("the cut answer's connection closed") { server.openConnections == 0 }
        _ = try await pool.post(maxBodyBytes: 100_000)
        #expect(server.connections == 2, "a cut answer's connection is not used again")
        pool.shutdown()
        await server.stop()
    }

    @Test func aConnectionTheEndpointClosesOrSaysItWillCloseIsNotUsedAgain() async throws {
        // The first answer says `Connection: close` (and the server leaves the connection open);
        // the second keeps the connection, which the server then closes while it is idle in the
        // pool; the third is an HTTP/1.0 answer, which does not keep it either.
        let server = try await RawHTTPServer { index in
            switch index {
            case 0: .answer(Array("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".utf8))
            case 1: .answer(Self.ok, close: true)
            case 2: .answer(Array("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
            default: .answer(Self.ok)
            }
        }
        let pool = try server.pool()
        #expect(try await pool.post().status == 204)
        try await eventually("the client closed the connection it was told would close") {
            server.openConnections == 0
        }
        #expect(try await pool.post().status == 204)
        try await eventually("the server's close seen") { server.openConnections == 0 }
        #expect(try await pool.post().status == 200)
        #expect(try await pool.post().status == 204)
        #expect(server.connections == 4)
        pool.shutdown()
        await server.stop()
    }

    @Test func noAnswerByTheDeadlineIsATimeoutAndClosesTheConnection() async throws {
        let server = try await RawHTTPServer { _ in .silence }
        let pool = try server.pool()
        let started = ContinuousClock.now
        await #expect(throws: HTTP1Pool.Failure.timedOut) {
            try await pool.post(timeout: .milliseconds(300))
        }
        #expect(ContinuousClock.now - started < .seconds(3))
        try await eventually("the timed-out connection closed") { server.openConnections == 0 }
        pool.shutdown()
        await server.stop()
    }

    @Test func aHangUpBeforeTheAnswerAndAGarbageAnswerAreErrors() async throws {
        let server = try await RawHTTPServer { index in
            index == 0 ? .hangUp : .answer(Array("NOT HTTP AT ALL\r\n\r\n".utf8))
        }
        let pool = try server.pool()
        await #expect(throws: HTTP1Pool.Failure.closedUnanswered) { try await pool.post() }
        await #expect(throws: (any Error).self) { try await pool.post() }
        #expect(server.connections == 2)
        pool.shutdown()
        await server.stop()
    }

    @Test func aRefusedConnectionIsTriedUntilTheConnectTimeoutWhichNamesTheError() async throws {
        // A port bound but not listening refuses connections, and no other test can take it
        // while the socket is held.
        let held = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(held >= 0)
        defer { close(held) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(held, $0, length) == 0 && getsockname(held, $0, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let pool = try HTTP1Pool.loopback(port: port, maxIdle: 1, connectTimeout: .milliseconds(500))
        let started = ContinuousClock.now
        do {
            _ = try await pool.post()
            Issue.record("a refused connection gave an answer")
        } catch HTTP1Pool.Failure.connectTimedOut(let error?) {
            #expect(error.contains("refused"), "\(error)")
        }
        #expect(ContinuousClock.now - started >= .milliseconds(400))
        pool.shutdown()
    }
}

extension HTTP1Pool {
    /// A pool for a server on 127.0.0.1:`port`.
    fileprivate static func loopback(port: Int, maxIdle: Int = 16, connectTimeout: Duration = .seconds(5)) throws
        -> HTTP1Pool
    {
        try HTTP1Pool(
            target: Target(
                address: try SocketAddress(ipAddress: "127.0.0.1", port: port), host: "127.0.0.1", port: port,
                isLiteral: true, connectTimeout: connectTimeout, maxIdle: maxIdle),
            tls: nil)
    }

    /// POSTs a small JSON body to /hooks?x=1.
    fileprivate func post(
        timeout: TimeAmount = .seconds(5), maxBodyBytes: Int = 64 * 1024, excerptBytes: Int = 256
    ) async throws -> Response {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return try await post(
            uri: "/hooks?x=1", headers: headers, body: Array(#"{"a":1}"#.utf8), deadline: .now() + timeout,
            maxBodyBytes: maxBodyBytes, excerptBytes: excerptBytes)
    }
}

/// A loopback HTTP/1.1 server that reads each request (head and `Content-Length` body) and answers
/// with the bytes its script gives for the request's index.
private final class RawHTTPServer: Sendable {
    enum Answer: Sendable {
        /// These bytes, `after` a while, then (if `close`) the connection closed.
        case answer([UInt8], after: TimeAmount = .zero, close: Bool = false)
        /// These bytes once `until` requests have arrived (on any connection).
        case held([UInt8], until: Int)
        /// Nothing: the request is left unanswered.
        case silence
        /// The connection closed without an answer.
        case hangUp
    }

    let port: Int
    private let channel: any Channel
    private let state = Mutex<(connections: Int, open: Int, requests: [[UInt8]])>((0, 0, []))
    private let heldAnswers = Mutex<[(NIOLoopBound<ChannelHandlerContext>, [UInt8])]>([])
    let script: @Sendable (Int) -> Answer

    var connections: Int { state.withLock { $0.connections } }
    var openConnections: Int { state.withLock { $0.open } }
    var requests: [[UInt8]] { state.withLock { $0.requests } }

    init(script: @escaping @Sendable (Int) -> Answer) async throws {
        self.script = script
        let counts = Mutex<RawHTTPServer?>(nil)
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = counts.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(RequestReader(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        counts.withLock { $0 = self }
    }

    func pool(maxIdle: Int = 16) throws -> HTTP1Pool { try .loopback(port: port, maxIdle: maxIdle) }

    func stop() async { try? await channel.close() }

    fileprivate func opened() { state.withLock { ($0.connections, $0.open) = ($0.connections + 1, $0.open + 1) } }
    fileprivate func closed() { state.withLock { $0.open -= 1 } }
    /// Holds an answer until `until` requests have arrived, then sends every held one.
    fileprivate func hold(_ bytes: [UInt8], on context: NIOLoopBound<ChannelHandlerContext>, until: Int) {
        let release = heldAnswers.withLock { held -> [(NIOLoopBound<ChannelHandlerContext>, [UInt8])] in
            held.append((context, bytes))
            guard requests.count >= until else { return [] }
            defer { held = [] }
            return held
        }
        for (context, bytes) in release {
            context.eventLoop.execute { context.value.writeAndFlush(NIOAny(ByteBuffer(bytes: bytes)), promise: nil) }
        }
    }

    fileprivate func received(_ request: [UInt8]) -> Int {
        state.withLock {
            $0.requests.append(request)
            return $0.requests.count - 1
        }
    }
}

private final class RequestReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let server: RawHTTPServer
    private var buffer = ByteBuffer()

    init(server: RawHTTPServer) { self.server = server }

    func channelActive(context: ChannelHandlerContext) { server.opened() }
    func channelInactive(context: ChannelHandlerContext) { server.closed() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let request = nextRequest() {
            switch server.script(server.received(request)) {
            case .answer(let bytes, let delay, let close):
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: delay) {
                    let context = bound.value
                    context.writeAndFlush(NIOAny(ByteBuffer(bytes: bytes)), promise: nil)
                    if close { context.close(promise: nil) }
                }
            case .held(let bytes, let until):
                server.hold(bytes, on: NIOLoopBound(context, eventLoop: context.eventLoop), until: until)
            case .silence: break
            case .hangUp: context.close(promise: nil)
            }
        }
    }

    /// A whole request (head and body) taken from the buffer, if one has arrived.
    private func nextRequest() -> [UInt8]? {
        let bytes = Array(buffer.readableBytesView)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: Array("\r\n\r\n".utf8)) }) else {
            return nil
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let length =
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        let total = end + 4 + length
        guard bytes.count >= total else { return nil }
        buffer.moveReaderIndex(forwardBy: total)
        return Array(bytes[..<total])
    }
}
