import NIOCore
import NIOPosix
import Synchronization

/// A partner that is down behind a listening port: it accepts each connection and closes it at
/// once, without an answer (every request fails with no HTTP status, as against a crashed
/// service behind a load balancer). Counts the connections, so tests see every request tried.
public final class HangUpEndpoint: Sendable {
    private let channel: Channel
    private let counter: Counter

    private final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private final class HangUp: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let counter: Counter
        init(counter: Counter) { self.counter = counter }
        func channelActive(context: ChannelHandlerContext) {
            counter.value.add(1, ordering: .relaxed)
            context.close(promise: nil)
        }
    }

    public init(host: String = "127.0.0.1") async throws {
        let counter = Counter()
        self.counter = counter
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HangUp(counter: counter))
                }
            }
            .bind(host: host, port: 0).get()
    }

    public var port: Int { channel.localAddress?.port ?? 0 }
    public var url: String { "http://127.0.0.1:\(port)/webhooks" }
    /// Connections accepted (and hung up on) so far.
    public var connections: Int { counter.value.load(ordering: .relaxed) }

    public func close() async { try? await channel.close() }
}
