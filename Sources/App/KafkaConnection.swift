import Config
import Kafka
import KafkaEmbedded
import Logging

/// The Kafka connection the service uses: the configured cluster, or an embedded in-process
/// one when `kafka.bootstrapServers` is `embedded`.
public final class KafkaConnection: Sendable {
    public let configuration: KafkaConfiguration
    /// Present when running on the embedded broker (kept alive as long as the connection).
    public let embedded: EmbeddedKafkaCluster?

    public convenience init(
        settings: BridgeConfiguration.Kafka, clientID: String = "payments-bridge",
        embeddedBrokers: Int = 3
    ) throws(KafkaError) {
        if settings.isEmbedded {
            self.init(
                cluster: try EmbeddedKafkaCluster(brokers: embeddedBrokers), settings: settings, clientID: clientID)
        } else {
            self.init(
                embedded: nil,
                configuration: KafkaConfiguration(
                    bootstrapServers: settings.bootstrapServers, clientID: clientID,
                    properties: settings.properties.mapValues(\.value)))
        }
    }

    /// A connection to `cluster`, an embedded cluster the caller created (a test that breaks the
    /// cluster under the service), with the properties of `settings`; its `bootstrapServers` is not used.
    public convenience init(
        cluster: EmbeddedKafkaCluster, settings: BridgeConfiguration.Kafka,
        clientID: String = "payments-bridge"
    ) {
        self.init(
            embedded: cluster,
            configuration: cluster.configuration(clientID: clientID, properties: settings.properties.mapValues(\.value))
        )
    }

    private init(embedded: EmbeddedKafkaCluster?, configuration: KafkaConfiguration) {
        self.embedded = embedded
        self.configuration = configuration
    }

    /// Where clients connect, for logs (the embedded broker's loopback addresses, or the configured list).
    public var description: String {
        embedded != nil ? "embedded broker at \(configuration.bootstrapServers)" : configuration.bootstrapServers
    }
}
