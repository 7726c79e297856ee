import Admin
import App
import Config
import Foundation
import Kafka
import KafkaEmbedded
import TestSupport
import Webhooks

/// The whole service (`BridgeApplication`: bridge, sink, connectivity monitor, admin port) running
/// in this process against a cluster the test owns, so the test can break the cluster under it.
final class RunningService: Sendable {
    let app: BridgeApplication
    private let task: Task<Void, any Error>

    /// `yaml` is the service configuration without its `kafka` and `admin` sections.
    init(cluster: EmbeddedKafkaCluster, yaml: String, sinkClock: SinkClock = SystemSinkClock()) throws {
        let configuration = try BridgeConfiguration.parse(
            yaml: """
                kafka:
                  bootstrapServers: "\(cluster.bootstrapServers)"
                  properties: {log_level: "2", fetch.wait.max.ms: "10", topic.metadata.refresh.interval.ms: "1000"}
                admin: {listen: "127.0.0.1:0"}
                \(temporaryStateYAML())
                \(yaml)
                """)
        let app = try BridgeApplication(
            configuration: configuration,
            schemaDirectory: repositoryRoot.appendingPathComponent("schemas").path,
            kafka: KafkaConnection(cluster: cluster, settings: configuration.kafka),
            sinkClock: sinkClock, logger: quietLogger)
        self.app = app
        task = Task { try await app.run() }
    }

    var kafka: KafkaConfiguration { app.kafka.configuration }

    func readiness() async -> Readiness { await app.readiness() }

    /// Waits until the service reports ready; returns how long that took.
    @discardableResult
    func waitUntilReady(timeout: Duration = .seconds(60)) async throws -> Duration {
        try await waitUntil("the service is ready", timeout: timeout) { await readiness().isReady }
    }

    /// Stops the service as SIGTERM would and waits for it.
    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
