import Avro
import Payments

/// Reads `PaymentResponse` records written with one of the layouts `PaymentResponseEncoder`
/// writes, straight from the bytes: the webhook sink's and the history's hot path. Records
/// written with any other schema are read through the generic decoder (`PaymentResponseDecoder`).
/// The tests check it against avro-c's generic reading of the same bytes. It differs from that
/// reading only on input avro-c mangles: an enum index beyond 32 bits (avro-c cuts it to an
/// `int`, this reader finds no symbol) and a map key holding NUL (avro-c ends the key there,
/// this reader keeps it whole).
public struct PaymentResponseReader: Sendable {
    public let layout: PaymentResponseEncoder.Layout
    /// The enums' symbols in schema order: nil for `UNKNOWN`, which no partner-facing value has.
    private let eventTypes: [PaymentEventType?]
    private let statuses: [PaymentStatus?]

    /// A reader for records written with `schema`, or nil when it is not a layout the encoder writes.
    public init?(writerSchema schema: AvroSchema) {
        guard let layout = try? PaymentResponseEncoder(schema: schema).layout else { return nil }
        self.layout = layout
        let unknown = layout == .v2 ? 1 : 0
        eventTypes = layout.eventTypes.map { Optional($0) } + Array(repeating: nil, count: unknown)
        statuses = layout.statuses.map { Optional($0) } + Array(repeating: nil, count: unknown)
    }

    /// The response in `payload` (the Avro value, after the Confluent framing).
    public func read(_ payload: ArraySlice<UInt8>, channel: PaymentChannel) throws(DecodeError) -> PaymentResponse {
        var reader = AvroBinaryReader(payload)
        do {
            let eventId = try reader.string()
            let eventType = Self.symbol(try reader.long(), of: eventTypes)
            let paymentId = try reader.string()
            let tenantId = try reader.string()
            let customerId = try reader.string()
            let status = Self.symbol(try reader.long(), of: statuses)
            let amount = try reader.double()
            let currency = try reader.string()
            let debtorAccount = try reader.string()
            let creditorAccount = try reader.string()
            let clearingSystem = try reader.optionalString()
            let clearingReference = try reader.optionalString()
            let failureReason = try reader.optionalString()
            let failureCode = try reader.optionalString()
            let timestamp = try reader.long()
            let correlationId = try reader.string()
            let idempotencyKey = try reader.string()
            let metadata = try reader.stringMap()
            let subReason = layout == .v2 ? try reader.optionalString() : nil
            let requiredAction = layout == .v2 ? try reader.optionalString() : nil
            guard let eventType else { throw DecodeError(.notAResponse, "field eventType has an unknown symbol") }
            guard let status else { throw DecodeError(.notAResponse, "field status has an unknown symbol") }
            return PaymentResponse(
                eventId: eventId, eventType: eventType, paymentId: paymentId, tenantId: tenantId,
                customerId: customerId, status: status, amount: amount, currency: currency,
                debtorAccount: debtorAccount, creditorAccount: creditorAccount, clearingSystem: clearingSystem,
                clearingReference: clearingReference, failureReason: failureReason, failureCode: failureCode,
                timestamp: timestamp, correlationId: correlationId, idempotencyKey: idempotencyKey,
                metadata: metadata, channel: channel, subReason: subReason, requiredAction: requiredAction)
        } catch let error as DecodeError {
            throw error
        } catch {
            throw DecodeError(.undecodable, "cannot read record: \(error)")
        }
    }

    /// The value of an enum's symbol index: nil for `UNKNOWN` and, as avro-c reads them, for an
    /// index outside the symbols (both "an unknown symbol" once the record is read).
    private static func symbol<Value>(_ index: Int64, of symbols: [Value?]) -> Value? {
        index >= 0 && index < symbols.count ? symbols[Int(index)] : nil
    }
}
