import Avro
import Foundation
import TestSupport
import Testing

/// The repository's schemas/ directory, found from this file's location.
let schemasDirectory = repositoryRoot.appendingPathComponent("schemas").path

/// The current schema (v2), or a kept version (`history/PaymentResponse.v1.avsc`).
func loadPaymentResponseSchema(version: Int? = nil) throws -> AvroSchema {
    let file = version.map { "/history/PaymentResponse.v\($0).avsc" } ?? "/PaymentResponse.avsc"
    return try AvroSchema(json: String(contentsOfFile: schemasDirectory + file, encoding: .utf8))
}

/// A record of the current schema (v2); `v1` leaves out the fields v2 added.
func samplePaymentResponse(failureReason: String? = nil, v1: Bool = false) -> AvroValue {
    var fields: [AvroRecordField] = [
        AvroRecordField("eventId", .string("6f1c2a9e-1111-4a7b-9c1d-000000000001")),
        AvroRecordField("eventType", .enumSymbol("PAYMENT_COMPLETED")),
        AvroRecordField("paymentId", .string("PAY-1")),
        AvroRecordField("tenantId", .string("TENANT-001")),
        AvroRecordField("customerId", .string("CUST-9")),
        AvroRecordField("status", .enumSymbol("COMPLETED")),
        AvroRecordField("amount", .double(1234.56)),
        AvroRecordField("currency", .string("EUR")),
        AvroRecordField("debtorAccount", .string("DE89370400440532013000")),
        AvroRecordField("creditorAccount", .string("FR1420041010050500013M02606")),
        AvroRecordField("clearingSystem", .string("SEPA")),
        AvroRecordField("clearingReference", .null),
        AvroRecordField("failureReason", failureReason.map(AvroValue.string) ?? .null),
        AvroRecordField("failureCode", .null),
        AvroRecordField("timestamp", .long(1_764_000_000_123)),
        AvroRecordField("correlationId", .string("corr-1")),
        AvroRecordField("idempotencyKey", .string("idem-1")),
        AvroRecordField("metadata", .map(["channel": .string("partner"), "note": .string("ünïcødé ✓")])),
    ]
    if !v1 { fields += [AvroRecordField("subReason", .null), AvroRecordField("requiredAction", .null)] }
    return .record(fields)
}

@Suite("PaymentResponse schema")
struct PaymentResponseSchemaTests {
    static let v1Fields = [
        "eventId", "eventType", "paymentId", "tenantId", "customerId", "status", "amount",
        "currency", "debtorAccount", "creditorAccount", "clearingSystem", "clearingReference",
        "failureReason", "failureCode", "timestamp", "correlationId", "idempotencyKey", "metadata",
    ]
    static let v1EventTypes = [
        "PAYMENT_INITIATED", "PAYMENT_VALIDATED", "PAYMENT_DEBITED", "PAYMENT_SUBMITTED_TO_CLEARING",
        "PAYMENT_COMPLETED", "PAYMENT_FAILED", "PAYMENT_CANCELLED",
    ]
    static let v1Statuses = [
        "INITIATED", "VALIDATED", "DEBITED", "SUBMITTED_TO_CLEARING", "COMPLETED", "FAILED", "CANCELLED",
    ]

    @Test("v1 (kept in history/): fields, order, types and defaults are those of the contract")
    func v1MatchesContract() throws {
        let schema = try loadPaymentResponseSchema(version: 1)
        #expect(schema.fullName == "com.payments.events.PaymentResponse")
        guard case .record(_, let fields) = schema.type else {
            Issue.record("not a record")
            return
        }
        #expect(fields.map(\.name) == Self.v1Fields)
        #expect(fields.allSatisfy { ($0.doc ?? "").isEmpty == false }, "every field carries a doc")
        #expect(
            fields[1].type
                == .enumeration(
                    name: "com.payments.events.PaymentEventType", symbols: Self.v1EventTypes, defaultSymbol: nil))
        #expect(
            fields[5].type
                == .enumeration(name: "com.payments.events.PaymentStatus", symbols: Self.v1Statuses, defaultSymbol: nil)
        )
        try checkCommonFields(schema, fields)
    }

    @Test(
        "v2 (current): v1's fields, the compliance hold's symbols, UNKNOWN as the enums' default, subReason and requiredAction at the end"
    )
    func v2MatchesContract() throws {
        let schema = try loadPaymentResponseSchema()
        #expect(schema.fullName == "com.payments.events.PaymentResponse")
        guard case .record(_, let fields) = schema.type else {
            Issue.record("not a record")
            return
        }
        #expect(fields.map(\.name) == Self.v1Fields + ["subReason", "requiredAction"])
        #expect(fields.allSatisfy { ($0.doc ?? "").isEmpty == false }, "every field carries a doc")
        #expect(
            fields[1].type
                == .enumeration(
                    name: "com.payments.events.PaymentEventType",
                    symbols: Self.v1EventTypes + ["PAYMENT_COMPLIANCE_HOLD", "PAYMENT_COMPLIANCE_RELEASED", "UNKNOWN"],
                    defaultSymbol: "UNKNOWN"))
        #expect(
            fields[5].type
                == .enumeration(
                    name: "com.payments.events.PaymentStatus",
                    symbols: Self.v1Statuses + ["COMPLIANCE", "UNKNOWN"], defaultSymbol: "UNKNOWN"))
        try checkCommonFields(schema, fields)
        let json = try JSONSerialization.jsonObject(with: Data(schema.text.utf8)) as! [String: Any]
        let rawFields = json["fields"] as! [[String: Any]]
        for added in fields[18...] {
            #expect(added.type == .union([.null, .string]) && added.hasDefault, "\(added.name)")
        }
        #expect(rawFields[18]["default"] is NSNull && rawFields[19]["default"] is NSNull)
    }

    /// What v1 and v2 share: types, defaults and the logical type of the timestamp.
    func checkCommonFields(_ schema: AvroSchema, _ fields: [AvroFieldType]) throws {
        #expect(fields[6].type == .double)
        for optional in fields[10...13] {
            #expect(optional.type == .union([.null, .string]) && optional.hasDefault)
        }
        #expect(fields[17].type == .map(.string) && fields[17].hasDefault)

        // logicalType sits inside the type object of `timestamp`, and defaults are null / {}.
        let json = try JSONSerialization.jsonObject(with: Data(schema.text.utf8)) as! [String: Any]
        let rawFields = json["fields"] as! [[String: Any]]
        let timestamp = rawFields[14]["type"] as! [String: Any]
        #expect(timestamp["type"] as? String == "long")
        #expect(timestamp["logicalType"] as? String == "timestamp-millis")
        #expect(rawFields[14]["logicalType"] == nil)
        #expect(rawFields[10]["default"] is NSNull)
        #expect((rawFields[17]["default"] as? [String: Any])?.isEmpty == true)
    }

    @Test("a v1 record decodes with v1, and a v2 compliance hold round-trips with v2")
    func bothVersions() throws {
        let v1 = try loadPaymentResponseSchema(version: 1)
        let old = samplePaymentResponse(v1: true)
        #expect(try v1.decode(v1.encode(old)[...]) == old)
        guard case .record(var fields) = samplePaymentResponse() else { return }
        fields[1] = AvroRecordField("eventType", .enumSymbol("PAYMENT_COMPLIANCE_HOLD"))
        fields[5] = AvroRecordField("status", .enumSymbol("COMPLIANCE"))
        fields[18] = AvroRecordField("subReason", .string("PEP_REVIEW"))
        fields[19] = AvroRecordField("requiredAction", .string("Proof of address"))
        let v2 = try loadPaymentResponseSchema()
        #expect(try v2.decode(v2.encode(.record(fields))[...]) == .record(fields))
        // v1 has no such symbol: avro-c refuses to write it rather than write garbage.
        fields.removeLast(2)
        let refused = #expect(throws: AvroError.self) { try v1.encode(.record(fields)) }
        #expect(refused?.message.contains("PAYMENT_COMPLIANCE_HOLD") == true)
    }

    @Test("a record survives Confluent framing, encoding and decoding unchanged")
    func roundTrip() throws {
        let schema = try loadPaymentResponseSchema()
        let value = samplePaymentResponse(failureReason: "insufficient funds")
        let framed = try schema.encodeFramed(value, schemaID: 258)
        #expect(Array(framed.prefix(5)) == [0, 0, 0, 1, 2])
        let (id, payload) = try ConfluentWireFormat.parse(framed)
        #expect(id == 258)
        #expect(try schema.decode(payload) == value)
    }

    @Test("encoding a value of the wrong type names the field")
    func wrongType() throws {
        let schema = try loadPaymentResponseSchema()
        guard case .record(var fields) = samplePaymentResponse() else { return }
        fields[6] = AvroRecordField("amount", .string("12.50"))
        let error = #expect(throws: AvroError.self) { try schema.encode(.record(fields)) }
        #expect(error?.message.contains("amount") == true)
        fields[6] = AvroRecordField("amount", .double(1))
        fields[1] = AvroRecordField("eventType", .enumSymbol("PAYMENT_LOST"))
        let enumError = #expect(throws: AvroError.self) { try schema.encode(.record(fields)) }
        #expect(enumError?.message.contains("PAYMENT_LOST") == true)
    }

    @Test("truncated or garbage data is a decode error, not a crash")
    func badData() throws {
        let schema = try loadPaymentResponseSchema()
        let encoded = try schema.encode(samplePaymentResponse())
        #expect(throws: AvroError.self) { try schema.decode(encoded.prefix(encoded.count / 2)) }
        #expect(throws: AvroError.self) { try ConfluentWireFormat.parse([0, 0, 1]) }
        let magic = #expect(throws: AvroError.self) { try ConfluentWireFormat.parse([1, 0, 0, 0, 1, 2]) }
        #expect(magic?.kind == .wireFormat)
    }

    @Test("encoders are safe to use from many tasks at once")
    func concurrentUse() async throws {
        let schema = try loadPaymentResponseSchema()
        let value = samplePaymentResponse()
        let expected = try schema.encode(value)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<200 where try schema.encode(value) != expected { return false }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
