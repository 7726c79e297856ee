import Avro
import Payments

/// Writes `PaymentResponse` records in Avro binary (Confluent framed) directly, without building
/// a generic value tree: this is the bridge's hot path. The encoder checks at creation that the
/// schema it is given has exactly the fields, types and symbols it writes, so a schema change
/// without a matching encoder change fails at start-up, not on a partner's side; the tests also
/// compare its bytes with avro-c's for the same record.
public struct PaymentResponseEncoder: Sendable {
    /// The layouts of `PaymentResponse` the encoder writes: v1, and v2 with the compliance hold
    /// (two event types, the `COMPLIANCE` status, `UNKNOWN` as both enums' default, and the
    /// optional `subReason` and `requiredAction` at the end).
    public enum Layout: Int, Sendable, CaseIterable {
        case v1 = 1
        case v2 = 2

        var eventTypes: [PaymentEventType] {
            self == .v2
                ? PaymentEventType.allCases : PaymentEventType.allCases.filter { !Self.complianceTypes.contains($0) }
        }

        var statuses: [PaymentStatus] {
            self == .v2 ? PaymentStatus.allCases : PaymentStatus.allCases.filter { $0 != .compliance }
        }

        static let complianceTypes: Set<PaymentEventType> = [.complianceHold, .complianceReleased]

        /// Fields, types and symbols in schema order.
        var fields: [(String, AvroType)] {
            let unknown = self == .v2 ? ["UNKNOWN"] : []
            let defaultSymbol = self == .v2 ? "UNKNOWN" : nil
            var fields: [(String, AvroType)] = [
                ("eventId", .string),
                (
                    "eventType",
                    .enumeration(
                        name: "com.payments.events.PaymentEventType",
                        symbols: eventTypes.map(\.rawValue) + unknown, defaultSymbol: defaultSymbol)
                ),
                ("paymentId", .string), ("tenantId", .string), ("customerId", .string),
                (
                    "status",
                    .enumeration(
                        name: "com.payments.events.PaymentStatus",
                        symbols: statuses.map(\.rawValue) + unknown, defaultSymbol: defaultSymbol)
                ),
                ("amount", .double), ("currency", .string), ("debtorAccount", .string), ("creditorAccount", .string),
                ("clearingSystem", .union([.null, .string])), ("clearingReference", .union([.null, .string])),
                ("failureReason", .union([.null, .string])), ("failureCode", .union([.null, .string])),
                ("timestamp", .long), ("correlationId", .string), ("idempotencyKey", .string),
                ("metadata", .map(.string)),
            ]
            if self == .v2 {
                fields += [("subReason", .union([.null, .string])), ("requiredAction", .union([.null, .string]))]
            }
            return fields
        }
    }

    public struct SchemaMismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// The layout of the schema the encoder was created with.
    public let layout: Layout

    public init(schema: AvroSchema) throws {
        guard case .record(let name, let fields) = schema.type, name == "com.payments.events.PaymentResponse" else {
            throw SchemaMismatch(
                description: "the PaymentResponse schema is not the record com.payments.events.PaymentResponse")
        }
        let written = fields.map { ($0.name, $0.type) }
        guard
            let layout = Layout.allCases.first(where: { layout in
                written.count == layout.fields.count
                    && zip(written, layout.fields).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            })
        else {
            throw SchemaMismatch(
                description: "the PaymentResponse schema matches neither version the bridge's encoder writes "
                    + "(fields, order, types or symbols changed): update PaymentResponseEncoder with it")
        }
        self.layout = layout
    }

    /// Whether the schema has the response's event type and status (a v1 schema has no
    /// compliance hold); a response it has not must not be encoded.
    public func canEncode(_ response: PaymentResponse) -> Bool {
        layout == .v2 || (!Layout.complianceTypes.contains(response.eventType) && response.status != .compliance)
    }

    /// Appends the Confluent-framed record to `output`. The response must be one the schema
    /// has (`canEncode`): symbols are written by their index, the same in both layouts.
    public func encode(_ response: PaymentResponse, schemaID: Int32, into output: inout [UInt8]) {
        // The writer takes the buffer over (a copy would make its first append copy the bytes).
        var writer = AvroBinaryWriter(output: [])
        swap(&writer.output, &output)
        defer { swap(&writer.output, &output) }
        writer.confluentHeader(schemaID: schemaID)
        writer.string(response.eventId)
        writer.long(Int64(Self.eventTypes.firstIndex(of: response.eventType)!))
        writer.string(response.paymentId)
        writer.string(response.tenantId)
        writer.string(response.customerId)
        writer.long(Int64(Self.statuses.firstIndex(of: response.status)!))
        writer.double(response.amount)
        writer.string(response.currency)
        writer.string(response.debtorAccount)
        writer.string(response.creditorAccount)
        writer.optionalString(response.clearingSystem)
        writer.optionalString(response.clearingReference)
        writer.optionalString(response.failureReason)
        writer.optionalString(response.failureCode)
        writer.long(response.timestamp)
        writer.string(response.correlationId)
        writer.string(response.idempotencyKey)
        writer.stringMap(response.metadata)
        if layout == .v2 {
            writer.optionalString(response.subReason)
            writer.optionalString(response.requiredAction)
        }
    }

    /// The symbols' order (`allCases` builds a new array at each use).
    private static let eventTypes = PaymentEventType.allCases
    private static let statuses = PaymentStatus.allCases
}
