import Digest
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A real HTTP receiver on a loopback address, standing in for a partner endpoint: it records
/// every request and answers as the test scripts it.
public final class WebhookReceiver: Sendable {
    public struct Request: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: [UInt8]
        public var arrival: ContinuousClock.Instant
        public var paymentId: String? { json?["paymentId"] as? String }
        public var eventId: String? { headers["webhook-id"] }
        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }

        /// Whether `webhook-signature` holds a valid Standard Webhooks signature with `secret`.
        public func isSigned(with secret: String) -> Bool {
            guard let id = headers["webhook-id"], let timestamp = headers["webhook-timestamp"],
                let header = headers["webhook-signature"],
                let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count)))
            else { return false }
            let signed = Array("\(id).\(timestamp).".utf8) + body
            let expected = "v1," + Data(Digest.hmacSHA256(key: Array(key), data: signed)).base64EncodedString()
            return header.split(separator: " ").contains { $0 == expected }
        }
    }

    public struct Reply: Sendable {
        public var status = 200
        public var headers: [String: String] = [:]
        public var delay: Duration = .zero
        public var body = ""
        public init(status: Int = 200, headers: [String: String] = [:], delay: Duration = .zero, body: String = "") {
            self.status = status
            self.headers = headers
            self.delay = delay
            self.body = body
        }
        public static let ok = Reply()
        public static func status(_ code: Int, headers: [String: String] = [:]) -> Reply {
            Reply(status: code, headers: headers)
        }
    }

    /// Decides the reply to a request (given the requests so far, this one last).
    public typealias Script = @Sendable (Request, [Request]) -> Reply

    public let host: String
    private let script: Mutex<Script>
    private let recorded = Mutex<[Request]>([])
    private let boundPort = Mutex<Int?>(nil)

    public init(host: String = "127.0.0.1", script: @escaping Script = { _, _ in .ok }) {
        self.host = host
        self.script = Mutex(script)
    }

    public var requests: [Request] { recorded.withLock { $0 } }
    public var port: Int { boundPort.withLock { $0 } ?? 0 }
    public var url: String {
        host.contains(":") ? "http://[\(host)]:\(port)/webhooks" : "http://\(host):\(port)/webhooks"
    }

    public func setScript(_ script: @escaping Script) { self.script.withLock { $0 = script } }

    /// Serves while `body` runs.
    public func serve<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let router = Router()
        router.post("**") { [self] request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let received = Request(path: request.uri.path, headers: headers, body: Array(buffer: bytes), arrival: .now)
            let all = recorded.withLock {
                $0.append(received)
                return $0
            }
            let reply = script.withLock { $0 }(received, all)
            if reply.delay > .zero { try? await Task.sleep(for: reply.delay) }
            var fields = HTTPFields()
            for (name, value) in reply.headers { fields[.init(name)!] = value }
            return Response(
                status: .init(code: reply.status), headers: fields,
                body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        return try await serveOnLoopback(router, host: host) { port in
            boundPort.withLock { $0 = port }
            return try await body()
        }
    }
}

/// Runs `body` while all `receivers` serve.
public func serving<T: Sendable>(_ receivers: [WebhookReceiver], _ body: @Sendable () async throws -> T) async throws
    -> T
{
    guard let first = receivers.first else { return try await body() }
    return try await first.serve { try await serving(Array(receivers.dropFirst()), body) }
}
