import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Timing

/// A client of the Confluent Schema Registry REST API (and compatible registries).
/// Ids and schemas are cached; an unreachable registry (connection errors, 5xx, 429) is retried
/// with exponential back-off up to `retryBudget`, then reported, so callers never frame a record
/// without a registered id.
public final class SchemaRegistryClient: SchemaRegistry {
    public struct Configuration: Sendable {
        public var url: String
        public var requestTimeout: Duration = .seconds(10)
        /// Total time to keep retrying an unreachable registry before giving up on one call.
        public var retryBudget: Duration = .seconds(30)
        public var initialBackoff: Duration = .milliseconds(100)
        public var maxBackoff: Duration = .seconds(5)

        /// `url` may carry credentials (`https://user:password@registry.example`): they are taken
        /// out here, once, sent as HTTP Basic authentication and never appear in `url` or in
        /// messages. They are what lies between `://` and the URL's last `@` (a registry's address
        /// has no `@` of its own); the user ends at the first `:`. Escapes are decoded once (`%40`
        /// is `@`, `%2541` is `%41`); anything else, a `%` that begins no escape included, stands
        /// for itself.
        public init(url: String) {
            var base = url
            if let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") {
                let userInfo = url[scheme.upperBound..<at]
                let colon = userInfo.firstIndex(of: ":") ?? userInfo.endIndex
                let password = colon == userInfo.endIndex ? "" : userInfo[userInfo.index(after: colon)...]
                let pair = Self.percentDecoded(userInfo[..<colon]) + [UInt8(ascii: ":")] + Self.percentDecoded(password)
                credentials = Data(pair).base64EncodedString()
                base = String(url[..<scheme.upperBound] + url[url.index(after: at)...])
            }
            self.url = base.hasSuffix("/") ? String(base.dropLast()) : base
        }

        /// `user:password` from the URL, base64-encoded for the Authorization header.
        var credentials: String?

        /// The bytes `text` stands for: each `%` and two hexadecimal digits is one byte.
        static func percentDecoded(_ text: Substring) -> [UInt8] {
            let bytes = Array(text.utf8)
            var decoded: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                    let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                {
                    decoded.append(high << 4 | low)
                    index += 3
                } else {
                    decoded.append(bytes[index])
                    index += 1
                }
            }
            return decoded
        }

        private static func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }

    private let configuration: Configuration
    private let http: HTTPClient
    private let logger: Logger
    private let ids = Mutex<[String: Int32]>([:])
    private let schemas = Mutex<[Int32: AvroSchema]>([:])

    public init(
        configuration: Configuration, httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "schema-registry")
    ) {
        self.configuration = configuration
        self.http = httpClient
        self.logger = logger
    }

    public func id(of schema: AvroSchema, subject: String) async throws -> Int32 {
        let cacheKey = "\(subject)\u{0}\(schema.text)"
        if let id = ids.withLock({ $0[cacheKey] }) { return id }
        let body = try JSONSerialization.data(withJSONObject: ["schema": schema.text])
        let answer = try await call(.POST, "/subjects/\(escape(subject))/versions", body: body)
        guard let id = (answer["id"] as? NSNumber)?.int32Value else {
            throw SchemaRegistryError(
                kind: .invalidResponse, message: "no id in the answer to registering \(subject)", status: nil)
        }
        ids.withLock { $0[cacheKey] = id }
        schemas.withLock { $0[id] = $0[id] ?? schema }
        return id
    }

    public func schema(id: Int32) async throws -> AvroSchema {
        if let schema = schemas.withLock({ $0[id] }) { return schema }
        let answer = try await call(.GET, "/schemas/ids/\(id)", body: nil)
        guard let text = answer["schema"] as? String else {
            throw SchemaRegistryError(
                kind: .invalidResponse, message: "no schema in the answer for id \(id)", status: nil)
        }
        if let type = answer["schemaType"] as? String, type != "AVRO" {
            throw SchemaRegistryError(kind: .invalidResponse, message: "schema \(id) is \(type), not AVRO", status: nil)
        }
        let schema = try AvroSchema(json: text)
        schemas.withLock { $0[id] = schema }
        return schema
    }

    /// The latest version registered under `subject`: (id, schema).
    public func latest(subject: String) async throws -> (id: Int32, schema: AvroSchema) {
        let answer = try await call(.GET, "/subjects/\(escape(subject))/versions/latest", body: nil)
        guard let id = (answer["id"] as? NSNumber)?.int32Value, let text = answer["schema"] as? String else {
            throw SchemaRegistryError(kind: .invalidResponse, message: "incomplete answer for \(subject)", status: nil)
        }
        return (id, try AvroSchema(json: text))
    }

    private func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(
            withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? segment
    }

    private func call(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now + configuration.retryBudget
        var backoff = Backoff(first: configuration.initialBackoff, max: configuration.maxBackoff)
        while true {
            let failure: SchemaRegistryError
            do {
                // AsyncHTTPClient keeps retrying a refused connection until the request's
                // deadline, so one attempt never outlives the remaining budget.
                let remaining = clock.now.duration(to: deadline)
                let timeout = max(min(configuration.requestTimeout, remaining), .milliseconds(100))
                return try await attempt(method, path, body: body, timeout: timeout)
            } catch let error as SchemaRegistryError where error.kind != .unreachable {
                throw error
            } catch let error as SchemaRegistryError {
                failure = error
            } catch {
                failure = SchemaRegistryError(
                    kind: .unreachable, message: "\(configuration.url): \(error)", status: nil)
            }
            guard clock.now + backoff.upcoming < deadline else { throw failure }
            let delay = backoff.next()
            logger.warning(
                "schema registry unavailable, retrying", metadata: ["error": "\(failure)", "in": "\(delay)"])
            try await Task.sleep(for: delay)
        }
    }

    private func attempt(_ method: HTTPMethod, _ path: String, body: Data?, timeout: Duration) async throws -> [String:
        Any]
    {
        var request = HTTPClientRequest(url: configuration.url + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/vnd.schemaregistry.v1+json, application/json")
        if let credentials = configuration.credentials {
            request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/vnd.schemaregistry.v1+json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await http.execute(request, timeout: .milliseconds(timeout.milliseconds))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        let data = Data(bytes.readableBytesView)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            guard let object else {
                throw SchemaRegistryError(
                    kind: .invalidResponse, message: "\(method) \(path): answer is not a JSON object", status: status)
            }
            return object
        case 429, 500...:
            throw SchemaRegistryError(kind: .unreachable, message: "\(method) \(path): HTTP \(status)", status: status)
        case 404:
            throw SchemaRegistryError(
                kind: .notFound, message: "\(method) \(path): \(object?["message"] as? String ?? "not found")",
                status: status)
        default:
            throw SchemaRegistryError(
                kind: .rejected, message: "\(method) \(path): HTTP \(status) \(object?["message"] as? String ?? "")",
                status: status)
        }
    }
}
