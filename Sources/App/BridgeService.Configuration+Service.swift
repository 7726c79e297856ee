import Bridge
import Config
import Payments

extension BridgeService.Configuration {
    /// The bridge's settings from the service configuration.
    init(_ configuration: BridgeConfiguration) {
        let bridge = configuration.bridge
        self.init(
            parser: PaymentEventParser(
                maxEventBytes: bridge.maxEventBytes,
                knownTenants: Set(configuration.tenants.map(\.id)),
                allowUnknownTenants: bridge.allowUnknownTenants,
                skipEventTypes: Set(bridge.skipEventTypes)))
        inputTopic = bridge.inputTopic
        consumerGroup = bridge.consumerGroup
        transactionalID = bridge.transactionalID
        partitions = bridge.topics.partitions
        replicationFactor = bridge.topics.replicationFactor
        retention = .seconds(bridge.topics.retentionDays * 86_400)
        deadLetterRetention = .seconds(bridge.topics.dltRetentionDays * 86_400)
        transactionMaxRecords = bridge.transactions.maxRecords
        transactionMaxInterval = bridge.transactions.maxInterval
        maxRecordBytes = bridge.maxRecordBytes
    }
}
