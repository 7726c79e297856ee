import Config
import Kafka
import Logging

/// The Kafka connection the service uses: the configured cluster, or an embedded in-process
/// one when `kafka.bootstrapServers` is `embedded`.
public final class KafkaConnection: Sendable {
    public let configuration: KafkaConfiguration
    /// Present when running on the embedded broker (kept alive as long as the connection).
    public let embedded: EmbeddedKafkaCluster?

    public init(settings: BridgeConfiguration.Kafka, clientID: String = "payments-bridge",
                embeddedBrokers: Int = 3) throws(KafkaError) {
        let properties = settings.properties.mapValues(\.value)
        if settings.isEmbedded {
            let cluster = try EmbeddedKafkaCluster(brokers: embeddedBrokers)
            embedded = cluster
            configuration = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: clientID,
                                               properties: properties)
        } else {
            embedded = nil
            configuration = KafkaConfiguration(bootstrapServers: settings.bootstrapServers, clientID: clientID,
                                               properties: properties)
        }
    }

    /// Where clients connect, for logs (the embedded broker's loopback addresses, or the configured list).
    public var description: String {
        embedded != nil ? "embedded broker at \(configuration.bootstrapServers)" : configuration.bootstrapServers
    }
}
