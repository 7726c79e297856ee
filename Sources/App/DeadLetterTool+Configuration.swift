import Avro
import Config
import DeadLetters
import Kafka
import Logging

extension DeadLetterTool {
    /// The `dlt` commands' tool for the service's configuration: its cluster (a client of its
    /// own, quiet), its record limit, and its schema registry — or, without one, every schema
    /// version in `schemaDirectory` (the embedded registry's ids derive from the schema text).
    public init(configuration: BridgeConfiguration, schemaDirectory: String, logger: Logger) throws {
        let kafka = try KafkaConfiguration.tool(configuration, clientID: "payments-bridge-dlt")
        let registry: SchemaRegistry
        if let url = configuration.schemaRegistry.url {
            registry = SchemaRegistryClient(configuration: .init(url: url.value), logger: logger)
        } else {
            let embedded = EmbeddedSchemaRegistry()
            if let directory = try? SchemaDirectory(path: schemaDirectory) {
                for versions in directory.schemas.values {
                    for version in versions { _ = try? embedded.register(try AvroSchema(json: version.text)) }
                }
            }
            registry = embedded
        }
        self.init(kafka: kafka, registry: registry, maxRecordBytes: configuration.bridge.maxRecordBytes, logger: logger)
    }
}

extension ResponseResend {
    /// `resend`'s tool for the service's configuration: its cluster and its record limit.
    public init(configuration: BridgeConfiguration, logger: Logger) throws {
        self.init(
            kafka: try KafkaConfiguration.tool(configuration, clientID: "payments-bridge-resend"),
            maxRecordBytes: configuration.bridge.maxRecordBytes, logger: logger)
    }
}

extension KafkaConfiguration {
    /// A command's client of the service's cluster (quiet: errors only). The embedded broker is
    /// refused: it lives only inside `run`.
    static func tool(_ configuration: BridgeConfiguration, clientID: String) throws -> KafkaConfiguration {
        guard !configuration.kafka.isEmbedded else {
            throw DeadLetterToolError(
                .embeddedBroker,
                "kafka.bootstrapServers is \"embedded\": the in-process broker lives only "
                    + "inside `run`; point the configuration (or KAFKA_BOOTSTRAP_SERVERS) at the cluster")
        }
        return KafkaConfiguration(
            bootstrapServers: configuration.kafka.bootstrapServers, clientID: clientID,
            properties: configuration.kafka.properties.mapValues(\.value)
                .merging(["log_level": "3"]) { configured, _ in configured })
    }
}
