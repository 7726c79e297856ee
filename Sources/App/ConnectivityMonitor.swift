import Kafka
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Keeps asking the cluster for its metadata, so readiness reflects whether Kafka is reachable.
public final class ConnectivityMonitor: Service {
    public struct State: Sendable, Equatable {
        public var connected = false
        public var brokers = 0
        public var lastError: String?
    }

    private let admin: KafkaAdmin
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let brokersGauge: Gauge

    public init(admin: KafkaAdmin, interval: Duration = .seconds(2), metricsFactory: any MetricsFactory, logger: Logger)
    {
        self.admin = admin
        self.interval = interval
        self.logger = logger
        brokersGauge = Gauge(label: "payments_bridge_kafka_brokers", factory: metricsFactory)
    }

    public var current: State { state.withLock { $0 } }

    /// Asks once and records the answer.
    @discardableResult
    public func check() async -> State {
        let next: State
        do {
            let metadata = try await admin.metadata(timeout: .seconds(5))
            next = State(connected: !metadata.brokerIDs.isEmpty, brokers: metadata.brokerIDs.count, lastError: nil)
        } catch {
            next = State(connected: false, brokers: 0, lastError: "\(error)")
        }
        let previous = state.withLock { state -> State in
            defer { state = next }
            return state
        }
        if previous.connected != next.connected {
            if next.connected {
                logger.info("connected to Kafka", metadata: ["brokers": "\(next.brokers)"])
            } else {
                logger.warning("Kafka unreachable", metadata: ["error": "\(next.lastError ?? "no brokers")"])
            }
        }
        brokersGauge.record(next.brokers)
        return next
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await check()
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
