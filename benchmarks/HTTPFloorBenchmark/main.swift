// The HTTP client layer alone: REQUESTS POSTs of a ~700-byte JSON webhook body over CONNECTIONS
// keep-alive connections (one request in flight on each), no Kafka, no rendering, no signing;
// prints one JSON line with the rate and the process's CPU per request (getrusage). Usage:
//   http-floor-bench MODE URL [REQUESTS] [CONNECTIONS] [--no-tracer]      (defaults 200000, 64)
// MODE: `ahc` AsyncHTTPClient's async API (C tasks looping `execute` and reading the body);
//       `ahc-delegate` AsyncHTTPClient's event-loop API with a status-only delegate (the sink's way);
//       `nio` a minimal HTTP/1.1 client on NIOHTTP1 (one handler per channel sends the next
//       request from the event loop on the response's `.end`; one flush per request).
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 3, ["ahc", "ahc-delegate", "nio"].contains(arguments[1]), let url = URL(string: arguments[2]),
    let host = url.host
else {
    FileHandle.standardError.write(
        Data("usage: http-floor-bench ahc|ahc-delegate|nio URL [REQUESTS] [CONNECTIONS] [--no-tracer]\n".utf8))
    exit(2)
}
let mode = arguments[1]
let requests = arguments.count > 3 ? Int(arguments[3]) ?? 200_000 : 200_000
let connections = arguments.count > 4 ? Int(arguments[4]) ?? 64 : 64
let impl = mode + (arguments.contains("--no-tracer") ? "-no-tracer" : "")
let port = url.port ?? 80
let path = url.path.isEmpty ? "/" : url.path

/// A webhook-like body: a PaymentResponse rendered as JSON, padded to ~700 bytes.
let body: [UInt8] = {
    var text = """
        {"event_id":"6f1d2c9e-3b4a-4e0f-9a51-2f7c8d9e0a1b","event_type":"payment.completed",\
        "payment_id":"PAY-1234","tenant_id":"tenant-a","status":"COMPLETED","amount":{"value":"1250.00",\
        "currency":"EUR"},"debtor":{"name":"Alice Example","iban":"DE89370400440532013000"},\
        "creditor":{"name":"Bob Example","iban":"FR1420041010050500013M02606"},\
        "remittance":"Invoice 2024-0042","occurred_at":"2024-05-01T12:34:56.789Z",\
        "correlation_id":"c0ffee00-1234-4abc-8def-0123456789ab","attempt":1,"metadata":{"note":"
        """
    text += String(repeating: "x", count: max(0, 698 - text.utf8.count)) + "\"}}"
    return Array(text.utf8)
}()
/// Headers like a webhook's (constant here: building per-request values is the sink's work, not the client's).
let webhookHeaders: [(String, String)] = [
    ("Content-Type", "application/json"), ("User-Agent", "payments-bridge/1.0"),
    ("X-Correlation-ID", "c0ffee00-1234-4abc-8def-0123456789ab"), ("X-Tenant-ID", "tenant-a"),
    ("webhook-id", "6f1d2c9e-3b4a-4e0f-9a51-2f7c8d9e0a1b"), ("webhook-timestamp", "1714566896"),
    ("webhook-signature", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
    ("X-Signature", "2b9a3f0c6d1e4a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"),
]

/// Hands out the REQUESTS (so exactly that many are sent) and counts completions.
final class Budget: Sendable {
    let total: Int
    let issued = Atomic<Int>(0)
    let completed = Atomic<Int>(0)
    let done: EventLoopPromise<Void>
    init(total: Int, done: EventLoopPromise<Void>) { (self.total, self.done) = (total, done) }
    /// True if one more request may be sent.
    func take() -> Bool { issued.wrappingAdd(1, ordering: .relaxed).newValue <= total }
    /// Counts a response; a non-2xx one fails the run.
    func complete(status: UInt) throws {
        guard (200..<300).contains(status) else {
            done.fail(Failure(status: status))
            throw Failure(status: status)
        }
        if completed.wrappingAdd(1, ordering: .relaxed).newValue == total { done.succeed(()) }
    }
}
struct Failure: Error { let status: UInt }

/// One connection of the `nio` client: head, body and end written with one flush; the next
/// request sent from the event loop when the response ends.
final class PostHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    private let head: HTTPRequestHead
    private let body: ByteBuffer
    private let budget: Budget
    private var status: UInt = 0

    init(head: HTTPRequestHead, body: ByteBuffer, budget: Budget) {
        (self.head, self.body, self.budget) = (head, body, budget)
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        sendNext(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response): status = response.status.code
        case .body: break
        case .end:
            guard (try? budget.complete(status: status)) != nil else { return context.close(promise: nil) }
            sendNext(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        budget.done.fail(error)
        context.close(promise: nil)
    }

    private func sendNext(context: ChannelHandlerContext) {
        guard budget.take() else { return }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// The `ahc-delegate` mode's delegate: keeps the status, drops the body (as the sink's ResponseSummary).
final class StatusOnly: HTTPClientResponseDelegate {
    typealias Response = UInt
    private let status = Atomic<UInt>(0)
    func didReceiveHead(task: HTTPClient.Task<UInt>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status.store(head.status.code, ordering: .relaxed)
        return task.eventLoop.makeSucceededVoidFuture()
    }
    func didFinishRequest(task: HTTPClient.Task<UInt>) throws -> UInt { status.load(ordering: .relaxed) }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)  // Glibc imports RUSAGE_SELF as an enum case
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

let group = MultiThreadedEventLoopGroup.singleton
let budget = Budget(total: requests, done: group.next().makePromise())
var headers = HTTPHeaders(webhookHeaders)
headers.add(name: "Host", value: port == 80 ? host : "\(host):\(port)")
headers.add(name: "Content-Length", value: String(body.count))
var client: HTTPClient?
if mode != "nio" {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.connectionPool = .init(
        idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
    configuration.decompression = .disabled
    // `--no-tracer`: no request span (by default AHC starts one per request, a no-op tracer's included).
    if arguments.contains("--no-tracer") { configuration.tracing.tracer = nil }
    client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
}

// Timed from here (connection set-up included: 64 loopback connects are noise next to 200,000 requests).
let cpuStart = cpuSeconds()
let start = ContinuousClock.now
var channels: [Channel] = []
switch mode {
case "nio":
    let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
    let buffer = ByteBuffer(bytes: body)
    let bootstrap = ClientBootstrap(group: group)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(PostHandler(head: head, body: buffer, budget: budget))
            }
        }
    for _ in 0..<connections { channels.append(try await bootstrap.connect(host: host, port: port).get()) }
    try await budget.done.futureResult.get()
case "ahc":
    let client = client!
    let request = {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers = HTTPHeaders(webhookHeaders)
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }()
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        for _ in 0..<connections {
            tasks.addTask {
                while budget.take() {
                    let response = try await client.execute(request, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 20)
                    try budget.complete(status: response.status.code)
                }
            }
        }
        try await tasks.waitForAll()
    }
default:  // ahc-delegate
    let client = client!
    let request = try HTTPClient.Request(
        url: url, method: .POST, headers: HTTPHeaders(webhookHeaders), body: .bytes(body))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        for _ in 0..<connections {
            tasks.addTask {
                while budget.take() {
                    let task = client.execute(request: request, delegate: StatusOnly(), deadline: .now() + .seconds(30))
                    try budget.complete(status: try await task.futureResult.get())
                }
            }
        }
        try await tasks.waitForAll()
    }
}
let elapsed = ContinuousClock.now - start
let cpu = cpuSeconds() - cpuStart
let completed = budget.completed.load(ordering: .relaxed)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(
    """
    {"impl":"\(impl)","connections":\(connections),"requests":\(completed),"body_bytes":\(body.count),\
    "seconds":\(seconds),"per_second":\(Double(completed) / seconds),"cpu_seconds":\(cpu),\
    "cpu_us_per_request":\(cpu / Double(completed) * 1e6)}
    """)
for channel in channels { try? await channel.close().get() }
// AHC 1.37 can trap ("A connection that we don't know was released") when shut down while the
// last requests' connections are still being handed back to the pool: let them settle first.
try await Task.sleep(for: .milliseconds(200))
try? await client?.shutdown().get()
