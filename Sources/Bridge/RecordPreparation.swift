import Avro
import Kafka
import Payments
import ResponseCodec
import Synchronization

/// What the bridge does with an input record before the transaction: the event parsed,
/// validated and mapped, and, when its partner topic is known, its response encoded (Confluent
/// framed Avro) into the record for that topic with its key and headers. `BridgeService` runs it
/// for every record it reads.
final class RecordPreparation: Sendable {
    let encoder: PaymentResponseEncoder
    /// The parser in use: the configuration's, with the tenants added at runtime (the control
    /// plane) known too. Read once per record (a copy-on-write copy: no set is copied).
    let parser: Mutex<PaymentEventParser>
    /// Each partner topic in use (by channel and tenant): its name and schema id, known once the
    /// topic exists and the registry has answered.
    let routes = Mutex<[ResponseKey: ResponseRoute]>([:])

    init(parser: PaymentEventParser, encoder: PaymentResponseEncoder) {
        self.parser = Mutex(parser)
        self.encoder = encoder
    }

    /// What an input record's value becomes, worked out without the transaction.
    func prepare(_ value: [UInt8]?) -> PreparedRecord {
        switch parser.withLock({ $0 }).parse(value) {
        case .response(let response):
            guard encoder.canEncode(response) else {
                return .unsupported(
                    "\(response.eventType.rawValue) (status \(response.status.rawValue)) is not in PaymentResponse "
                        + "schema v\(encoder.layout.rawValue), which the bridge writes (bridge.schemaVersion); "
                        + "replay the event once the bridge writes a version that has it")
            }
            let key = ResponseKey(channel: response.channel.topicFragment, tenant: response.tenantId)
            guard let route = routes.withLock({ $0[key] }) else { return .unrouted(response, key) }
            return .response(output(response, route: route), key)
        case .skipped(let eventType):
            return .skipped(eventType)
        case .rejected(let rejection):
            return .rejected(rejection)
        }
    }

    /// The response's record for its partner topic.
    func output(_ response: PaymentResponse, route: ResponseRoute) -> ProducerRecord {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        encoder.encode(response, schemaID: route.schemaID, into: &bytes)
        return ProducerRecord(
            topic: route.topic, key: Array(response.paymentId.utf8), value: bytes, headers: response.headers)
    }
}

/// The bridge's work per input record short of Kafka, as `BridgeService` does it (the same
/// code): for the instruction-count benchmark (`benchmarks/run.sh instructions`).
public struct BridgeRecordPath: Sendable {
    private let preparation: RecordPreparation

    /// Every partner topic of the parser's known tenants, on every channel, taken as in use
    /// (created, its schema id `schemaID`), as they are once the bridge has run for a while.
    public init(parser: PaymentEventParser, schema: AvroSchema, schemaID: Int32) throws {
        preparation = RecordPreparation(parser: parser, encoder: try PaymentResponseEncoder(schema: schema))
        preparation.routes.withLock { routes in
            for tenant in parser.knownTenants {
                for channel in PaymentChannel.allCases {
                    routes[ResponseKey(channel: channel.topicFragment, tenant: tenant)] = ResponseRoute(
                        topic: PaymentTopics.responses(channel: channel, tenantId: tenant), schemaID: schemaID)
                }
            }
        }
    }

    /// The record the bridge would produce for an input record's value; nil when the event is
    /// not answered (skipped, dead-lettered).
    public func prepare(_ value: [UInt8]?) -> ProducerRecord? {
        guard case .response(let record, _) = preparation.prepare(value) else { return nil }
        return record
    }
}
