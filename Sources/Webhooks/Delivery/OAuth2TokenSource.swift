import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// An endpoint's access tokens from an OAuth2 token endpoint, by the client-credentials grant
/// (RFC 6749 §4.4; the client authenticates with HTTP Basic, §2.3.1). A token is reused until
/// shortly before it expires, then one request fetches the next for every caller waiting
/// (single flight). The token endpoint goes through the same address policy and pinning as the
/// webhook endpoint.
public final class OAuth2TokenSource: Sendable {
    public struct Settings: Sendable, Equatable {
        public var tokenURL: String
        public var clientID: String
        public var clientSecret: String
        public var scope: String?
        public var audience: String?
        /// A token is replaced this long before it expires (or at half its life, when shorter).
        public var refreshBefore: Duration = .seconds(60)
        public var requestTimeout: Duration = .seconds(10)

        public init(tokenURL: String, clientID: String, clientSecret: String) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.clientSecret = clientSecret
        }
    }

    enum Failure: Error, Equatable {
        /// The token URL's address is not allowed (the reason).
        case blocked(String)
        /// No token now (the reason: the token endpoint's answer or the connection's error).
        case unavailable(String)
    }

    private struct Token {
        var value: String
        /// Milliseconds since the epoch.
        var refreshAt: Int64
    }

    private struct State {
        var token: Token?
        var fetching: Task<Result<Token, Failure>, Never>?
    }

    private let settings: Settings
    private let connection: PinnedConnection
    private let state = Mutex(State())

    init?(settings: Settings, connection: PinnedConnection.Settings, resolver: @escaping PinnedConnection.Resolver) {
        guard let url = URL(string: settings.tokenURL),
            let pinned = PinnedConnection(url: url, settings: connection, resolver: resolver)
        else { return nil }
        self.settings = settings
        self.connection = pinned
    }

    /// A token valid now: the cached one, or a new one.
    func token(now: Int64) async -> Result<String, Failure> {
        let task = state.withLock { s -> Task<Result<Token, Failure>, Never>? in
            if let token = s.token, now < token.refreshAt { return nil }
            if let fetching = s.fetching { return fetching }
            let fetching = Task { await self.fetch(now: now) }
            s.fetching = fetching
            return fetching
        }
        guard let task else { return .success(state.withLock { $0.token!.value }) }
        let result = await task.value
        state.withLock { s in
            if s.fetching == task {
                s.fetching = nil
                if case .success(let token) = result { s.token = token }
            }
        }
        return result.map(\.value)
    }

    /// Forgets `token` (the endpoint answered 401 with it): the next call fetches another.
    func invalidate(_ token: String) {
        state.withLock { s in
            if s.token?.value == token { s.token = nil }
        }
    }

    private func fetch(now: Int64) async -> Result<Token, Failure> {
        let address: String
        switch await connection.checkedAddress(now: now) {
        case .success(let checked): address = checked
        case .failure(.blocked(let reason)): return .failure(.blocked("OAuth2 token URL: \(reason)"))
        case .failure(.connection(let reason)): return .failure(.unavailable("OAuth2 token request: \(reason)"))
        }
        var form = ["grant_type=client_credentials"]
        if let scope = settings.scope { form.append("scope=\(Self.formEncoded(scope))") }
        if let audience = settings.audience { form.append("audience=\(Self.formEncoded(audience))") }
        let credentials = "\(Self.formEncoded(settings.clientID)):\(Self.formEncoded(settings.clientSecret))"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Authorization", value: "Basic \(Data(credentials.utf8).base64EncodedString())")
        var request = HTTPClientRequest(url: connection.url.absoluteString)
        request.method = .POST
        request.headers = headers
        request.body = .bytes(ByteBuffer(string: form.joined(separator: "&")))
        do {
            let response = try await connection.client(for: address).execute(
                request, timeout: .milliseconds(settings.requestTimeout.milliseconds))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok else {
                return .failure(.unavailable("OAuth2 token endpoint answered HTTP \(response.status.code)"))
            }
            guard
                let document = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                let value = document["access_token"] as? String, !value.isEmpty
            else { return .failure(.unavailable("OAuth2 token endpoint answered without an access_token")) }
            let lifetime = Int64(((document["expires_in"] as? NSNumber)?.doubleValue ?? 3600) * 1000)
            let early = min(settings.refreshBefore.milliseconds, lifetime / 2)
            return .success(Token(value: value, refreshAt: now + lifetime - early))
        } catch {
            if let reason = WebhookEndpoint.tlsReason(error) {
                return .failure(.unavailable("OAuth2 token request: \(reason)"))
            }
            return .failure(.unavailable("OAuth2 token request failed: \(error)"))
        }
    }

    /// `application/x-www-form-urlencoded` (RFC 6749 appendix B).
    static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(
            of: "%20", with: "+")
    }

    func shutdown() async { await connection.shutdown() }
}
