/// Connection settings shared by every client. Typed settings are rendered to librdkafka
/// properties; `properties` passes any other librdkafka property through as it is
/// (`security.protocol`, `sasl.*`, `ssl.*`, …) and wins over the typed ones.
public struct KafkaConfiguration: Sendable {
    /// `bootstrap.servers`: "host:port,…".
    public var bootstrapServers: String
    /// `client.id`.
    public var clientID: String
    /// Raw librdkafka properties.
    public var properties: [String: String]
    /// What the cluster itself asks of its clients: `standard` for a Kafka cluster; set by whoever
    /// creates the configuration for another kind (the embedded cluster).
    public var clusterProfile: KafkaClusterProfile

    public init(
        bootstrapServers: String, clientID: String = "payments-bridge", properties: [String: String] = [:],
        clusterProfile: KafkaClusterProfile = .standard
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
        self.clusterProfile = clusterProfile
    }

    func render(_ typed: [String: String]) -> [String: String] {
        var result = typed
        result["bootstrap.servers"] = bootstrapServers
        result["client.id"] = clientID
        result.merge(clusterProfile.clientProperties) { _, cluster in cluster }
        result.merge(properties) { _, raw in raw }
        return result
    }
}
