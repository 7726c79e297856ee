import App
import ArgumentParser
import Config
import Foundation
import Logging
import Metrics
import Prometheus

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the service (admin HTTP, Kafka connection) until SIGTERM or SIGINT.")

    @Option(name: .long, help: "Configuration file (YAML).")
    var config: String = "config/bridge.yaml"

    @Option(name: .long, help: "Directory holding the Avro schemas.")
    var schemas: String = "schemas"

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel)
        let configuration = try loadConfiguration(path: config)
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let application = try BridgeApplication(
            configuration: configuration, schemaDirectory: schemas,
            metrics: metrics, logger: logger)
        try await application.run { port in
            logger.info("admin HTTP listening", metadata: ["address": "\(configuration.admin.host):\(port)"])
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "payments-bridge")
}

/// Loads and validates the configuration, or exits with a message naming the key at fault.
func loadConfiguration(path: String) throws -> BridgeConfiguration {
    do {
        return try BridgeConfiguration.load(path: path)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}
