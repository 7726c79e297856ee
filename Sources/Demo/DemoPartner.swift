import Hummingbird
import Logging
import Synchronization
import Webhooks

/// The demo's partner endpoint, on a free loopback port: checks the Standard Webhooks signature
/// of every request; PARTNER-XYZ answers 503 to the first attempt of each completed payment and
/// 400 to failed ones.
final class DemoPartner: Sendable {
    struct Counts {
        var requests = 0
        var verified = 0
        var holds = 0
        var seen: Set<String> = []
    }
    private let signer: WebhookSigner
    private let state = Mutex(Counts())

    init(signer: WebhookSigner) { self.signer = signer }

    var counts: Counts { state.withLock { $0 } }

    /// Serves while `body` runs with the port, then stops.
    func serve<T: Sendable>(logger: Logger, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        var quiet = logger
        quiet.logLevel = .critical
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                listening.yield(channel.localAddress?.port ?? 0)
                listening.finish()
            },
            logger: quiet)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await application.runService(gracefulShutdownSignals: [])
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            defer { group.cancelAll() }
            return try await body(port)
        }
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/:tenant") { [self] request, context -> Response in
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let id = request.headers[.init("webhook-id")!] ?? ""
            let timestamp = request.headers[.init("webhook-timestamp")!].flatMap { Int64($0) } ?? 0
            let signatures = (request.headers[.init("webhook-signature")!] ?? "").split(separator: " ").map(String.init)
            let expected = signer.standardSignature(id: id, timestamp: timestamp, body: bytes)
            let body = String(decoding: bytes, as: UTF8.self)
            let status: HTTPResponse.Status = state.withLock { counts in
                counts.requests += 1
                if signatures.contains(expected) { counts.verified += 1 }
                if body.contains(#""status":"COMPLIANCE""#), body.contains(#""subReason":""#) { counts.holds += 1 }
                guard context.parameters.get("tenant") == "PARTNER-XYZ" else { return .ok }
                if body.contains("\"PAYMENT_FAILED\"") { return .badRequest }
                if body.contains("\"PAYMENT_COMPLETED\""), counts.seen.insert(id).inserted {
                    return .serviceUnavailable
                }
                return .ok
            }
            return Response(status: status)
        }
        return router
    }
}
