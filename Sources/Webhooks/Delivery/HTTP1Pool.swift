import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import Timing

/// The sink's HTTP/1.1 client for one endpoint at one checked address: keep-alive connections
/// (TLS when the URL is https, the host name verified and sent as SNI), one request at a time on
/// each, the request's head, body and end written with one flush. Only what the sink acts on is
/// kept from a response: the status, `Retry-After`, `Location` and the first bytes of the body;
/// the body is read up to a cap, past which the connection is closed. Redirects are never
/// followed. Connections are opened on demand (the endpoint's in-flight limit bounds how many
/// are busy) and up to `maxIdle` are kept, each for at most a minute of idleness.
final class HTTP1Pool: Sendable {
    struct Response: Sendable, Equatable {
        var status: Int
        var retryAfter: String?
        var location: String?
        /// The first bytes of the body.
        var excerpt: [UInt8] = []
        /// The body was longer than the cap: the rest was not read.
        var cut = false
    }

    enum Failure: Error, CustomStringConvertible, Equatable {
        /// The request's deadline passed.
        case timedOut
        /// No connection within the connect timeout (the last connection error, if any).
        case connectTimedOut(String?)
        /// The endpoint closed the connection before its answer was complete.
        case closed
        /// The endpoint closed the connection without a byte of an answer.
        case closedUnanswered
        /// The request was cancelled.
        case cancelled

        var description: String {
            switch self {
            case .timedOut: "timed out"
            case .connectTimedOut(nil): "connect timed out"
            case .connectTimedOut(let error?): "connect timed out (\(error))"
            case .closed: "connection closed by the endpoint before its answer was complete"
            case .closedUnanswered: "connection closed by the endpoint without an answer"
            case .cancelled: "cancelled"
            }
        }
    }

    /// Where and how to connect.
    struct Target: Sendable {
        /// The checked address.
        var address: SocketAddress
        /// The URL's host (for `Host`, and for TLS's SNI and verification unless it is an IP literal).
        var host: String
        var port: Int
        var isLiteral: Bool
        var connectTimeout: Duration
        var maxIdle: Int
    }

    private struct Idle {
        var connection: Connection
        var since: NIODeadline
    }

    private let target: Target
    private let hostHeader: String
    private let tls: NIOSSLContext?
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let idle = Mutex<(connections: [Idle], closed: Bool)>(([], false))
    private static let idleLifetime = TimeAmount.seconds(60)

    /// `tls`: nil for plain http.
    init(target: Target, tls: TLSConfiguration?) throws {
        self.target = target
        self.tls = try tls.map { try NIOSSLContext(configuration: $0) }
        let defaultPort = tls == nil ? 80 : 443
        let host = target.host.contains(":") ? "[\(target.host)]" : target.host
        hostHeader = target.port == defaultPort ? host : "\(host):\(target.port)"
    }

    /// POSTs `body` to `uri` (the URL's path and query) and reads the answer, by `deadline`.
    func post(
        uri: String, headers: HTTPHeaders, body: [UInt8], deadline: NIODeadline, maxBodyBytes: Int,
        excerptBytes: Int
    ) async throws -> Response {
        var headers = headers
        headers.replaceOrAdd(name: "Host", value: hostHeader)
        headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: headers)
        try Task.checkCancellation()
        let limits = ExchangeHandler.Limits(maxBodyBytes: maxBodyBytes, excerptBytes: excerptBytes)
        let body = ByteBuffer(bytes: body)
        let (connection, reused) = try await checkOut(deadline: deadline)
        do {
            return try await exchange(head, body, on: connection, deadline: deadline, limits: limits)
        } catch Failure.closedUnanswered where reused {
            // A kept connection the endpoint closed just as it was used again (its close and the
            // request crossed): the request goes once more, on a new connection.
            let fresh = try await connect(deadline: deadline)
            return try await exchange(head, body, on: fresh, deadline: deadline, limits: limits)
        }
    }

    /// Sends one request on `connection` and reads its answer; keeps the connection if it can
    /// carry the next request, closes it otherwise.
    private func exchange(
        _ head: HTTPRequestHead, _ body: ByteBuffer, on connection: Connection, deadline: NIODeadline,
        limits: ExchangeHandler.Limits
    ) async throws -> Response {
        let promise = connection.channel.eventLoop.makePromise(of: ExchangeHandler.Outcome.self)
        let handler = connection.handler
        connection.channel.eventLoop.execute {
            handler.value.send(head: head, body: body, deadline: deadline, limits: limits, promise)
        }
        let outcome = try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(Failure.cancelled)
            connection.channel.close(promise: nil)
        }
        if outcome.reusable { checkIn(connection) } else { connection.channel.close(promise: nil) }
        return outcome.response
    }

    /// Closes the idle connections; the busy ones are closed when their request ends.
    func shutdown() {
        let connections = idle.withLock { state -> [Idle] in
            defer { state = ([], true) }
            return state.connections
        }
        for idle in connections { idle.connection.channel.close(promise: nil) }
    }

    // MARK: Connections

    private struct Connection: Sendable {
        var channel: any Channel
        var handler: NIOLoopBound<ExchangeHandler>
    }

    /// An idle connection still open (reused), or a new one.
    private func checkOut(deadline: NIODeadline) async throws -> (Connection, reused: Bool) {
        let now = NIODeadline.now()
        let (found, stale) = idle.withLock { state -> (Connection?, [Idle]) in
            var stale: [Idle] = []
            while let last = state.connections.popLast() {
                if last.connection.channel.isActive, now - last.since < Self.idleLifetime {
                    return (last.connection, stale)
                }
                stale.append(last)
            }
            return (nil, stale)
        }
        for old in stale { old.connection.channel.close(promise: nil) }
        if let found { return (found, true) }
        return (try await connect(deadline: deadline), false)
    }

    /// Keeps a connection for the next request (up to `maxIdle`); connections idle for longer
    /// than their lifetime, the oldest at the bottom, are closed on the way.
    private func checkIn(_ connection: Connection) {
        let now = NIODeadline.now()
        let (kept, expired) = idle.withLock { state -> (Bool, [Idle]) in
            // Counted, then copied out: a slice kept across the removal would make it copy the array.
            let count = state.connections.firstIndex { now - $0.since < Self.idleLifetime } ?? state.connections.count
            let expired = count == 0 ? [] : Array(state.connections[..<count])
            state.connections.removeFirst(count)
            guard !state.closed, state.connections.count < target.maxIdle else { return (false, expired) }
            state.connections.append(Idle(connection: connection, since: now))
            return (true, expired)
        }
        for old in expired { old.connection.channel.close(promise: nil) }
        if !kept { connection.channel.close(promise: nil) }
    }

    /// Connects to the checked address. A refused or reset connection is often momentary: it is
    /// tried again (100 ms, growing by a quarter each time) until the connect timeout, which
    /// then names the last error.
    private func connect(deadline: NIODeadline) async throws -> Connection {
        let connectDeadline = min(deadline, .now() + .milliseconds(target.connectTimeout.milliseconds))
        var pause = TimeAmount.milliseconds(100)
        var lastError: (any Error)?
        while true {
            let left = connectDeadline - .now()
            guard left > .zero else {
                if deadline <= connectDeadline { throw Failure.timedOut }
                throw Failure.connectTimedOut(lastError.map { "\($0)" })
            }
            do {
                return try await openChannel(timeout: left)
            } catch ChannelError.connectTimeout {
                // The last refusal, if any, stays the reason.
            } catch let error as IOError {
                lastError = error
            } catch {
                throw error
            }
            let wait = min(pause, connectDeadline - .now())
            if wait > .zero { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) }
            pause = .nanoseconds(pause.nanoseconds * 5 / 4)
        }
    }

    private func openChannel(timeout: TimeAmount) async throws -> Connection {
        let (tls, serverHostname) = (self.tls, target.isLiteral ? nil : target.host)
        // The handler, as the channel's initializer made it on the channel's event loop.
        let made = Mutex<NIOLoopBound<ExchangeHandler>?>(nil)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    try pipeline.addHTTPClientHandlers()
                    let handler = ExchangeHandler()
                    try pipeline.addHandler(handler)
                    made.withLock { $0 = NIOLoopBound(handler, eventLoop: channel.eventLoop) }
                }
            }
            .connect(to: target.address).get()
        guard let handler = made.withLock({ $0 }) else { throw Failure.closed }
        return Connection(channel: channel, handler: handler)
    }
}

/// One connection's exchanges, on its event loop: sends a request, reads its answer, and
/// completes the request's promise once (the answer, or the first of a timeout, an error, the
/// connection's end).
private final class ExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Limits: Sendable {
        var maxBodyBytes: Int
        var excerptBytes: Int
    }

    struct Outcome: Sendable {
        var response: HTTP1Pool.Response
        /// The connection can carry the next request.
        var reusable: Bool
    }

    private struct Exchange {
        var promise: EventLoopPromise<Outcome>
        var limits: Limits
        var timeout: Scheduled<Void>?
        var response: HTTP1Pool.Response?
        var keepAlive = true
        var bodyBytes = 0
        /// The whole request is on the wire: an answer that came before (a refusal that did
        /// not read the body) leaves the connection unusable.
        var requestWritten = false
    }

    private var context: ChannelHandlerContext?
    private var exchange: Exchange?
    private var closed = false
    /// Why the connection failed while no request was on it (a TLS handshake's reason): the next
    /// request fails with it.
    private var failure: (any Error)?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func send(
        head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline, limits: Limits,
        _ promise: EventLoopPromise<Outcome>
    ) {
        guard let context, !closed, exchange == nil else {
            promise.fail(failure ?? HTTP1Pool.Failure.closedUnanswered)
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            finish(.failure(HTTP1Pool.Failure.timedOut))
        }
        exchange = Exchange(promise: promise, limits: limits, timeout: timeout)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.assumeIsolated().whenSuccess { [self] in exchange?.requestWritten = true }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var current = exchange else {
            // Nothing was asked: bytes the next request's answer would be mistaken for.
            closed = true
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            // 1xx answers are interim: the final one follows.
            if head.status.code >= 100, head.status.code < 200, head.status != .switchingProtocols { return }
            current.response = HTTP1Pool.Response(
                status: Int(head.status.code), retryAfter: head.headers.first(name: "Retry-After"),
                location: head.headers.first(name: "Location"))
            // A 101 switches the connection to another protocol: never used again.
            current.keepAlive = head.isKeepAlive && head.status.code >= 200
            exchange = current
        case .body(let buffer):
            guard var response = current.response else { return }
            current.bodyBytes += buffer.readableBytes
            let room = current.limits.excerptBytes - response.excerpt.count
            if room > 0 { response.excerpt += buffer.readableBytesView.prefix(room) }
            if current.bodyBytes > current.limits.maxBodyBytes {
                // The status is known: the rest of a long body is not read.
                response.cut = true
                finish(.success(Outcome(response: response, reusable: false)))
                return
            }
            current.response = response
            exchange = current
        case .end:
            guard let response = current.response else { return }
            finish(.success(Outcome(response: response, reusable: current.keepAlive && current.requestWritten)))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A TLS peer that closes without close_notify, or a peer that resets the connection,
        // closed it: nothing more.
        let ended: Bool =
            if let tls = error as? NIOSSLError, case .uncleanShutdown = tls {
                true
            } else if let io = error as? IOError, io.errnoCode == ECONNRESET || io.errnoCode == EPIPE {
                true
            } else {
                false
            }
        let error: any Error = ended ? closedFailure : error
        // Kept for the next request only when it says why the connection could not be used (a
        // TLS handshake's reason), not that it ended.
        if exchange == nil, failure == nil, !(error is HTTP1Pool.Failure), !(error is IOError) { failure = error }
        finish(.failure(error))
        closed = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        finish(.failure(closedFailure))
        context.fireChannelInactive()
    }

    /// The connection ended: without a byte of the answer, or part way through it.
    private var closedFailure: HTTP1Pool.Failure { exchange?.response == nil ? .closedUnanswered : .closed }

    /// Completes the exchange; a connection that did not end it cleanly is closed.
    private func finish(_ result: Result<Outcome, any Error>) {
        guard let current = exchange else { return }
        exchange = nil
        current.timeout?.cancel()
        if case .success(let outcome) = result, outcome.reusable {
            current.promise.succeed(outcome)
            return
        }
        closed = true
        current.promise.completeWith(result)
        context?.close(promise: nil)
    }
}
