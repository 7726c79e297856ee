import Avro
import Payments

extension PaymentResponse {
    /// The record as a generic Avro value, in the field order of `schemas/PaymentResponse.avsc`
    /// (v2; `layout` v1 without its last two fields): the reference that `PaymentResponseEncoder`'s
    /// bytes are checked against (through avro-c) in the tests, which also write the records the
    /// webhook sink reads with it.
    func avroValue(_ layout: PaymentResponseEncoder.Layout = .v2) -> AvroValue {
        var fields = [
            AvroRecordField("eventId", .string(eventId)),
            AvroRecordField("eventType", .enumSymbol(eventType.rawValue)),
            AvroRecordField("paymentId", .string(paymentId)),
            AvroRecordField("tenantId", .string(tenantId)),
            AvroRecordField("customerId", .string(customerId)),
            AvroRecordField("status", .enumSymbol(status.rawValue)),
            AvroRecordField("amount", .double(amount)),
            AvroRecordField("currency", .string(currency)),
            AvroRecordField("debtorAccount", .string(debtorAccount)),
            AvroRecordField("creditorAccount", .string(creditorAccount)),
            AvroRecordField("clearingSystem", clearingSystem.map(AvroValue.string) ?? .null),
            AvroRecordField("clearingReference", clearingReference.map(AvroValue.string) ?? .null),
            AvroRecordField("failureReason", failureReason.map(AvroValue.string) ?? .null),
            AvroRecordField("failureCode", failureCode.map(AvroValue.string) ?? .null),
            AvroRecordField("timestamp", .long(timestamp)),
            AvroRecordField("correlationId", .string(correlationId)),
            AvroRecordField("idempotencyKey", .string(idempotencyKey)),
            AvroRecordField("metadata", .map(metadata.mapValues(AvroValue.string))),
        ]
        if layout == .v2 {
            fields.append(AvroRecordField("subReason", subReason.map(AvroValue.string) ?? .null))
            fields.append(AvroRecordField("requiredAction", requiredAction.map(AvroValue.string) ?? .null))
        }
        return .record(fields)
    }
}
