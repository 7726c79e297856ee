import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One partner's webhook endpoint: the checked target address, a pooled keep-alive HTTP client
/// bound to that address, signing, and the limits (in flight, rate, circuit breaker).
public final class WebhookEndpoint: Sendable {
    public struct Settings: Sendable {
        public var tenantID: String
        public var url: String
        /// `whsec_<base64>` secrets; the first signs the simple `X-Webhook-Signature` scheme.
        public var secrets: [String]
        /// Secrets a rotation replaced, still signing (Standard Webhooks) until their time
        /// (milliseconds since the epoch).
        public var retiringSecrets: [(secret: String, until: Int64)] = []
        public var maxInFlight = 16
        public var ratePerSecond: Double = 100
        public var allowPrivateNetwork = false
        public var allowInsecureHttp = false
        public var connectTimeout: Duration = .seconds(5)
        public var requestTimeout: Duration = .seconds(30)
        /// Response bodies are read up to this many bytes (the rest is discarded).
        public var maxResponseBytes = 64 * 1024
        public var userAgent = "payments-bridge"
        /// Static headers of the partner's (e.g. `Authorization`), sent with every request before
        /// the service's own; the configuration refuses names the service sets.
        public var headers: [(name: String, value: String)] = []
        public var breaker = CircuitBreaker.Settings()
        /// A private CA, a client certificate, the oldest TLS version; nil: the system's defaults.
        public var tls: EndpointTLS?

        public init(tenantID: String, url: String, secrets: [String]) {
            self.tenantID = tenantID
            self.url = url
            self.secrets = secrets
        }
    }

    /// What one attempt came to.
    public enum AttemptResult: Sendable, Equatable {
        case delivered(status: Int)
        /// Worth trying again (408, 425, 429, 5xx, timeouts, connection errors).
        case retriable(status: Int?, retryAfter: Duration?, error: String)
        /// 410: the endpoint is gone.
        case gone
        /// Other 3xx/4xx: the partner refuses this record.
        case refused(status: Int, error: String)
        /// The target address (or a redirect's target) is not allowed.
        case blocked(String)
        /// The TLS handshake failed (the reason): a setting of ours or the endpoint's certificate is
        /// wrong, which trying again will not change until someone fixes it.
        case tlsFailed(String)
        /// No request can be built for this record (a header value it carries is not allowed in
        /// HTTP); sending it again would not change that.
        case unsendable(String)

        /// What the attempt says about the endpoint, for its circuit breaker.
        var reachability: CircuitBreakerState.Result {
            switch self {
            case .delivered, .gone, .refused: .answered
            case .retriable(let status, _, _): status == nil ? .unreachable : .answered
            case .tlsFailed: .unreachable
            case .blocked, .unsendable: .notSent
            }
        }
    }

    public let settings: Settings
    public let breaker: CircuitBreaker
    let signer: WebhookSigner
    let rate: RateLimiter
    let inFlight: ConcurrencyLimiter
    private let target: Target
    private let url: URL
    private let clientState = Mutex<ClientState>(ClientState())
    private let resolutionLifetime: Int64 = 60_000

    private struct Target: Sendable {
        var host: String
        var port: Int
        var literal: IPAddress?
    }

    private struct ClientState {
        var client: HTTPClient?
        var address: String?
        var resolvedAt: Int64 = .min
        var retired: [HTTPClient] = []
    }

    /// Turns the URL's host name into the address a connection would go to (blocking: called off
    /// Swift's cooperative threads).
    typealias Resolver = @Sendable (_ host: String, _ port: Int) throws -> SocketAddress
    private let resolver: Resolver

    public convenience init(settings: Settings, now: Int64) throws {
        try self.init(
            settings: settings, now: now, resolver: { try SocketAddress.makeAddressResolvingHost($0, port: $1) })
    }

    init(settings: Settings, now: Int64, resolver: @escaping Resolver) throws {
        self.resolver = resolver
        guard let url = URL(string: settings.url), let scheme = url.scheme?.lowercased(), let host = url.host,
            !host.isEmpty
        else {
            throw EndpointError(.notAbsolute, "webhook URL of \(settings.tenantID) is not an absolute URL")
        }
        guard scheme == "https" || (scheme == "http" && settings.allowInsecureHttp) else {
            throw EndpointError(.insecure, "webhook URL of \(settings.tenantID) must be https")
        }
        self.settings = settings
        self.url = url
        signer = try WebhookSigner(secrets: settings.secrets, retiring: settings.retiringSecrets)
        breaker = CircuitBreaker(settings: settings.breaker)
        rate = RateLimiter(ratePerSecond: settings.ratePerSecond, now: now)
        inFlight = ConcurrencyLimiter(limit: settings.maxInFlight)
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        target = Target(host: host, port: port, literal: IPAddress(host))
    }

    /// The SSRF decision for this endpoint now: the address a connection would go to, or why none may.
    func checkedAddress(now: Int64) async -> Result<String, AttemptFailure> {
        if let literal = target.literal {
            return verdict(literal)
        }
        if let cached = clientState.withLock({ s in
            s.address.flatMap { now - s.resolvedAt < resolutionLifetime ? $0 : nil }
        }) {
            return .success(cached)
        }
        let host = target.host
        let port = target.port
        let resolver = self.resolver
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
            clientState.withLock { s in
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

    private func verdict(_ address: IPAddress) -> Result<String, AttemptFailure> {
        switch AddressPolicy.verdict(for: address, allowPrivateNetwork: settings.allowPrivateNetwork) {
        case .allowed: .success(address.text)
        case .refused(let kind): .failure(.blocked("\(target.host) resolves to a \(kind) address (\(address))"))
        }
    }

    enum AttemptFailure: Error {
        case blocked(String)
        case connection(String)
    }

    /// The pooled client, connecting only to `address` (the one that was checked) while TLS
    /// still verifies the URL's host name.
    private func client(for address: String) -> HTTPClient {
        clientState.withLock { s in
            if let client = s.client { return client }
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            // The request's deadline bounds the whole exchange; an idle-read timer as well would be
            // one more timer set and cancelled per request.
            configuration.timeout = .init(connect: .milliseconds(settings.connectTimeout.milliseconds))
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: settings.maxInFlight)
            configuration.decompression = .disabled
            // A connection that cannot be made fails the attempt at once, with its own error (a
            // refused connection, a TLS handshake's reason): the sink's retry schedule and circuit
            // breaker decide what comes next, not a hidden loop until the connect timeout.
            configuration.connectionPool.retryConnectionEstablishment = false
            if let tls = settings.tls { configuration.tlsConfiguration = tls.configuration }
            if target.literal == nil { configuration.dnsOverride = [target.host: address] }
            let client = HTTPClient(
                eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
                configuration: configuration)
            s.client = client
            return client
        }
    }

    /// One signed POST of `body`. Does not wait for limits (see `WebhookSink`).
    func attempt(body: [UInt8], eventID: String, correlationID: String, now: Int64) async -> AttemptResult {
        let address: String
        switch await checkedAddress(now: now) {
        case .success(let checked): address = checked
        case .failure(.blocked(let reason)): return .blocked(reason)
        case .failure(.connection(let reason)): return .retriable(status: nil, retryAfter: nil, error: reason)
        }
        if let field = Self.unsafeHeaderField(eventID: eventID, correlationID: correlationID) {
            return .unsendable("\(field) holds a character not allowed in an HTTP header")
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(10 + settings.headers.count)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "User-Agent", value: settings.userAgent)
        headers.add(name: "X-Correlation-ID", value: correlationID)
        headers.add(name: "X-Tenant-ID", value: settings.tenantID)
        for header in settings.headers { headers.add(name: header.name, value: header.value) }
        for (name, value) in signer.headers(id: eventID, timestamp: now / 1000, body: body, now: now) {
            headers.add(name: name, value: value)
        }
        do {
            // The event-loop API with a delegate that keeps only the status line and the two
            // headers we act on: the body is counted and dropped, never stored.
            let request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .bytes(body))
            let summary = ResponseSummary(maxBodyBytes: settings.maxResponseBytes)
            let task = client(for: address).execute(
                request: request, delegate: summary,
                deadline: .now() + .milliseconds(settings.requestTimeout.milliseconds))
            do {
                let response = try await withTaskCancellationHandler {
                    try await task.futureResult.get()
                } onCancel: {
                    task.cancel()
                }
                return classify(status: response.status, headers: response.headers, now: now)
            } catch {
                // The body was cut at the read cap: the status line decides (a 2xx is a delivery).
                if let response = summary.cutResponse {
                    return classify(status: response.status, headers: response.headers, now: now)
                }
                throw error
            }
        } catch {
            if let reason = Self.tlsReason(error) { return .tlsFailed(reason) }
            return .retriable(status: nil, retryAfter: nil, error: Self.describe(error))
        }
    }

    /// The reason of a failed TLS handshake (certificate verification, an alert from the server
    /// such as a refused client certificate, a host name mismatch); nil for other errors.
    static func tlsReason(_ error: Error) -> String? {
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let underlying): return "TLS handshake failed: \(underlying)"
            default: return "TLS failed: \(error)"
            }
        }
        if let error = error as? NIOSSLExtraError { return "TLS failed: \(error)" }
        if let error = error as? BoringSSLError { return "TLS failed: \(error)" }
        return nil
    }

    func classify(status: Int, headers: HTTPHeaders, now: Int64) -> AttemptResult {
        switch status {
        case 200..<300:
            return .delivered(status: status)
        case 408, 425, 429, 500..<600:
            let retryAfter = headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: now) }
            return .retriable(status: status, retryAfter: retryAfter, error: "HTTP \(status)")
        case 410:
            return .gone
        case 300..<400:
            if let location = headers.first(name: "Location"),
                let reason = Self.blockedRedirect(location, allowPrivateNetwork: settings.allowPrivateNetwork)
            {
                return .blocked("redirect to \(reason) (redirects are not followed)")
            }
            return .refused(status: status, error: "HTTP \(status): redirects are not followed")
        default:
            return .refused(status: status, error: "HTTP \(status)")
        }
    }

    /// A redirect whose target is a literal restricted address (or `localhost`): reported as
    /// blocked. Redirects are never followed either way, and no name is resolved for them.
    static func blockedRedirect(_ location: String, allowPrivateNetwork: Bool) -> String? {
        guard let host = URL(string: location)?.host else { return nil }
        if host.lowercased() == "localhost" || host.lowercased().hasSuffix(".localhost") {
            return allowPrivateNetwork ? nil : "a loopback name (\(host))"
        }
        guard let address = IPAddress(host),
            case .refused(let kind) = AddressPolicy.verdict(for: address, allowPrivateNetwork: allowPrivateNetwork)
        else { return nil }
        return "a \(kind) address (\(address))"
    }

    /// The first of the record's header-bound fields that holds a control character (CR, LF, NUL…).
    static func unsafeHeaderField(eventID: String, correlationID: String) -> String? {
        func unsafe(_ value: String) -> Bool { value.utf8.contains { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F } }
        if unsafe(correlationID) { return "correlationId" }
        if unsafe(eventID) { return "eventId" }
        return nil
    }

    private static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .connectTimeout: return "connect timed out"
            default: return "request failed: \(error)"
            }
        }
        if error is CancellationError { return "cancelled" }
        return "request failed: \(error)"
    }

    /// Closes the pooled connections.
    public func shutdown() async {
        let clients = clientState.withLock { s -> [HTTPClient] in
            defer {
                s.client = nil
                s.retired = []
            }
            return s.retired + (s.client.map { [$0] } ?? [])
        }
        for client in clients { try? await client.shutdown() }
    }
}

/// Collects what the sink needs from a response: the status and the headers it acts on.
private final class ResponseSummary: HTTPClientResponseDelegate, Sendable {
    struct Response: Sendable {
        var status = 0
        var headers = HTTPHeaders()
    }
    private let state = Mutex((Response(), 0, false))
    private let maxBodyBytes: Int

    /// The response whose body was cut at the read cap (the request then ends with an error).
    var cutResponse: Response? { state.withLock { $0.2 ? $0.0 : nil } }

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        var kept = HTTPHeaders()
        for name in ["Retry-After", "Location"] {
            if let value = head.headers.first(name: name) { kept.add(name: name, value: value) }
        }
        state.withLock { $0.0 = Response(status: Int(head.status.code), headers: kept) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let cut = state.withLock { s -> Bool in
            s.1 += buffer.readableBytes
            if s.1 > maxBodyBytes, !s.2 {
                s.2 = true
                return true
            }
            return false
        }
        if cut { task.cancel() }  // the status is known: the rest of a long body is not read
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        state.withLock { $0.0 }
    }
}

extension WebhookEndpoint.Settings: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.tenantID == rhs.tenantID && lhs.url == rhs.url && lhs.secrets == rhs.secrets
            && lhs.retiringSecrets.elementsEqual(rhs.retiringSecrets) { $0 == $1 }
            && lhs.maxInFlight == rhs.maxInFlight && lhs.ratePerSecond == rhs.ratePerSecond
            && lhs.allowPrivateNetwork == rhs.allowPrivateNetwork && lhs.allowInsecureHttp == rhs.allowInsecureHttp
            && lhs.connectTimeout == rhs.connectTimeout && lhs.requestTimeout == rhs.requestTimeout
            && lhs.maxResponseBytes == rhs.maxResponseBytes && lhs.userAgent == rhs.userAgent
            && lhs.headers.elementsEqual(rhs.headers) { $0 == $1 } && lhs.breaker == rhs.breaker && lhs.tls == rhs.tls
    }
}
