import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Payments
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
        /// Bearer tokens from an OAuth2 token endpoint (client credentials); nil: none.
        public var oauth2: OAuth2TokenSource.Settings?

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
    private let connection: PinnedConnection
    private let oauth2: OAuth2TokenSource?

    /// Turns the URL's host name into the address a connection would go to (blocking: called off
    /// Swift's cooperative threads).
    typealias Resolver = PinnedConnection.Resolver

    public convenience init(settings: Settings, now: Int64) throws {
        try self.init(
            settings: settings, now: now, resolver: { try SocketAddress.makeAddressResolvingHost($0, port: $1) })
    }

    init(settings: Settings, now: Int64, resolver: @escaping Resolver) throws {
        var pinning = PinnedConnection.Settings()
        pinning.allowPrivateNetwork = settings.allowPrivateNetwork
        pinning.connectTimeout = settings.connectTimeout
        pinning.maxConnections = settings.maxInFlight
        pinning.tls = settings.tls
        guard let url = URL(string: settings.url),
            let connection = PinnedConnection(url: url, settings: pinning, resolver: resolver)
        else {
            throw EndpointError(.notAbsolute, "webhook URL of \(settings.tenantID) is not an absolute URL")
        }
        guard url.scheme?.lowercased() == "https" || settings.allowInsecureHttp else {
            throw EndpointError(.insecure, "webhook URL of \(settings.tenantID) must be https")
        }
        self.settings = settings
        self.connection = connection
        if let oauth2 = settings.oauth2 {
            guard let tokenURL = URL(string: oauth2.tokenURL),
                tokenURL.scheme?.lowercased() == "https" || settings.allowInsecureHttp,
                let source = OAuth2TokenSource(settings: oauth2, connection: pinning, resolver: resolver)
            else {
                throw EndpointError(.insecure, "OAuth2 token URL of \(settings.tenantID) must be an absolute https URL")
            }
            self.oauth2 = source
        } else {
            oauth2 = nil
        }
        signer = try WebhookSigner(secrets: settings.secrets, retiring: settings.retiringSecrets)
        breaker = CircuitBreaker(settings: settings.breaker)
        rate = RateLimiter(ratePerSecond: settings.ratePerSecond, now: now)
        inFlight = ConcurrencyLimiter(limit: settings.maxInFlight)
    }

    /// The SSRF decision for this endpoint now: the address a connection would go to, or why none may.
    func checkedAddress(now: Int64) async -> Result<String, PinnedConnection.Failure> {
        await connection.checkedAddress(now: now)
    }

    /// What one attempt came to, and the first bytes of the endpoint's answer (for the attempt log).
    struct Attempted: Sendable {
        var result: AttemptResult
        var responseExcerpt: [UInt8] = []
    }

    /// One signed POST of `body`. Does not wait for limits (see `WebhookSink`).
    func attempt(body: [UInt8], eventID: String, correlationID: String, now: Int64) async -> AttemptResult {
        await attempted(body: body, eventID: eventID, correlationID: correlationID, now: now).result
    }

    /// `attempt`, with the start of the response body.
    func attempted(body: [UInt8], eventID: String, correlationID: String, now: Int64) async -> Attempted {
        let address: String
        switch await checkedAddress(now: now) {
        case .success(let checked): address = checked
        case .failure(.blocked(let reason)): return Attempted(result: .blocked(reason))
        case .failure(.connection(let reason)):
            return Attempted(result: .retriable(status: nil, retryAfter: nil, error: reason))
        }
        if let field = Self.unsafeHeaderField(eventID: eventID, correlationID: correlationID) {
            return Attempted(result: .unsendable("\(field) holds a character not allowed in an HTTP header"))
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(11 + settings.headers.count)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "User-Agent", value: settings.userAgent)
        headers.add(name: "X-Correlation-ID", value: correlationID)
        headers.add(name: "X-Tenant-ID", value: settings.tenantID)
        for header in settings.headers { headers.add(name: header.name, value: header.value) }
        for (name, value) in signer.headers(id: eventID, timestamp: now / 1000, body: body, now: now) {
            headers.add(name: name, value: value)
        }
        guard let oauth2 else { return await post(body, headers: headers, to: address, now: now) }
        // OAuth2: a 401 with a token that looked valid is answered by one new token and one more try;
        // a second 401 is the endpoint's answer.
        for attempt in 0..<2 {
            let token: String
            switch await oauth2.token(now: now) {
            case .success(let value): token = value
            case .failure(.blocked(let reason)): return Attempted(result: .blocked(reason))
            case .failure(.unavailable(let reason)):
                return Attempted(result: .retriable(status: nil, retryAfter: nil, error: reason))
            }
            headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
            let answer = await post(body, headers: headers, to: address, now: now)
            guard case .refused(status: 401, _) = answer.result, attempt == 0 else { return answer }
            oauth2.invalidate(token)
        }
        return Attempted(result: .refused(status: 401, error: "HTTP 401"))
    }

    /// One POST of `body` with `headers`, classified.
    private func post(_ body: [UInt8], headers: HTTPHeaders, to address: String, now: Int64) async -> Attempted {
        do {
            let response = try await connection.pool(for: address).post(
                uri: connection.requestURI, headers: headers, body: body,
                deadline: .now() + .milliseconds(settings.requestTimeout.milliseconds),
                maxBodyBytes: settings.maxResponseBytes, excerptBytes: DeliveryAttempt.responseExcerptBytes)
            return Attempted(
                result: classify(
                    status: response.status, retryAfter: response.retryAfter, location: response.location, now: now),
                responseExcerpt: response.excerpt)
        } catch {
            if let reason = Self.tlsReason(error) { return Attempted(result: .tlsFailed(reason)) }
            return Attempted(result: .retriable(status: nil, retryAfter: nil, error: Self.describe(error)))
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

    func classify(status: Int, retryAfter: String?, location: String?, now: Int64) -> AttemptResult {
        switch status {
        case 200..<300:
            return .delivered(status: status)
        case 408, 425, 429, 500..<600:
            return .retriable(
                status: status, retryAfter: retryAfter.flatMap { RetryAfter.parse($0, now: now) },
                error: "HTTP \(status)")
        case 410:
            return .gone
        case 300..<400:
            if let location,
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
        if let error = error as? HTTP1Pool.Failure { return "\(error)" }
        if error is CancellationError { return "cancelled" }
        return "request failed: \(error)"
    }

    /// Closes the pooled connections.
    public func shutdown() async {
        await connection.shutdown()
        await oauth2?.shutdown()
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
            && lhs.oauth2 == rhs.oauth2
    }
}
