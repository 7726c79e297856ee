import Avro
import Payments
import Synchronization

/// Turns a framed Avro value from a response topic back into a `PaymentResponse`: the writer's
/// schema is fetched by id (and cached), and fields are mapped by name, so records written with
/// an older or newer compatible schema decode too (absent optional fields take the reader's
/// defaults: a v1 record has no `subReason` or `requiredAction`). Records written in a layout the
/// bridge's encoder writes are read straight from the bytes (`PaymentResponseReader`); others
/// through avro-c's generic values.
public final class PaymentResponseDecoder: Sendable {
    /// How records of one writer's schema are read.
    private enum Writer: Sendable {
        case layout(PaymentResponseReader)
        case generic(AvroSchema)

        init(_ schema: AvroSchema) {
            self = PaymentResponseReader(writerSchema: schema).map(Writer.layout) ?? .generic(schema)
        }
    }

    private let registry: SchemaRegistry
    private let writers = Mutex([Int32: Writer]())
    private let lookups = Atomic<Int>(0)

    public init(registry: SchemaRegistry) {
        self.registry = registry
    }

    /// Whether a writer's schema is being fetched from the registry right now.
    public var isWaitingForRegistry: Bool { lookups.load(ordering: .relaxed) > 0 }

    public func decode(_ value: [UInt8]?, channel: PaymentChannel) async throws(DecodeError) -> PaymentResponse {
        guard let value else { throw DecodeError(.notFramed, "record has no value") }
        let framed: (schemaID: Int32, payload: ArraySlice<UInt8>)
        do { framed = try ConfluentWireFormat.parse(value) } catch { throw DecodeError(.notFramed, "\(error)") }
        switch try await writer(id: framed.schemaID) {
        case .layout(let reader):
            return try reader.read(framed.payload, channel: channel)
        case .generic(let schema):
            let avro: AvroValue
            do { avro = try schema.decode(framed.payload) } catch { throw DecodeError(.undecodable, "\(error)") }
            return try Self.response(from: avro, channel: channel)
        }
    }

    private func writer(id: Int32) async throws(DecodeError) -> Writer {
        if let known = writers.withLock({ $0[id] }) { return known }
        lookups.add(1, ordering: .relaxed)
        defer { lookups.subtract(1, ordering: .relaxed) }
        do {
            let writer = Writer(try await registry.schema(id: id))
            writers.withLock { $0[id] = writer }
            return writer
        } catch {
            let unreachable = (error as? SchemaRegistryError)?.kind == .unreachable
            throw DecodeError(
                unreachable ? .registryUnreachable : .unknownSchema, "writer schema \(id) not available: \(error)")
        }
    }

    static func response(from value: AvroValue, channel: PaymentChannel) throws(DecodeError) -> PaymentResponse {
        guard case .record(let fields) = value else { throw DecodeError(.notAResponse, "value is not a record") }
        var byName: [String: AvroValue] = [:]
        for field in fields { byName[field.name] = field.value }

        func string(_ name: String) throws(DecodeError) -> String {
            guard case .string(let text)? = byName[name] else {
                throw DecodeError(.notAResponse, "field \(name) is missing or not a string")
            }
            return text
        }
        func optionalString(_ name: String) throws(DecodeError) -> String? {
            switch byName[name] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw DecodeError(.notAResponse, "field \(name) is not a string or null")
            }
        }
        func symbol(_ name: String) throws(DecodeError) -> String {
            guard case .enumSymbol(let text)? = byName[name] else {
                throw DecodeError(.notAResponse, "field \(name) is missing or not an enum")
            }
            return text
        }
        guard let eventType = PaymentEventType(rawValue: try symbol("eventType")) else {
            throw DecodeError(.notAResponse, "field eventType has an unknown symbol")
        }
        guard let status = PaymentStatus(rawValue: try symbol("status")) else {
            throw DecodeError(.notAResponse, "field status has an unknown symbol")
        }
        let amount: Double
        switch byName["amount"] {
        case .double(let v)?: amount = v
        case .float(let v)?: amount = Double(v)
        case .long(let v)?: amount = Double(v)
        case .int(let v)?: amount = Double(v)
        default: throw DecodeError(.notAResponse, "field amount is missing or not a number")
        }
        let timestamp: Int64
        switch byName["timestamp"] {
        case .long(let v)?: timestamp = v
        case .int(let v)?: timestamp = Int64(v)
        default: throw DecodeError(.notAResponse, "field timestamp is missing or not a long")
        }
        var metadata: [String: String] = [:]
        switch byName["metadata"] {
        case nil, .null?: break
        case .map(let entries)?:
            for (key, entry) in entries {
                guard case .string(let text) = entry else {
                    throw DecodeError(.notAResponse, "metadata value of \(key) is not a string")
                }
                metadata[key] = text
            }
        default: throw DecodeError(.notAResponse, "field metadata is not a map")
        }
        return PaymentResponse(
            eventId: try string("eventId"), eventType: eventType, paymentId: try string("paymentId"),
            tenantId: try string("tenantId"), customerId: try string("customerId"), status: status, amount: amount,
            currency: try string("currency"), debtorAccount: try string("debtorAccount"),
            creditorAccount: try string("creditorAccount"), clearingSystem: try optionalString("clearingSystem"),
            clearingReference: try optionalString("clearingReference"),
            failureReason: try optionalString("failureReason"),
            failureCode: try optionalString("failureCode"), timestamp: timestamp,
            correlationId: try string("correlationId"), idempotencyKey: try string("idempotencyKey"),
            metadata: metadata, channel: channel,
            subReason: try optionalString("subReason"), requiredAction: try optionalString("requiredAction"))
    }
}
