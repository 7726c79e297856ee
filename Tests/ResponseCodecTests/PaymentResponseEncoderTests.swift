import Avro
import Foundation
import Payments
import TestSupport
import Testing

@testable import ResponseCodec

@Suite("PaymentResponse encoder")
struct PaymentResponseEncoderTests {
    let schema: AvroSchema = try! AvroSchema(json: paymentResponseSchemaText())

    static func response(_ index: Int) -> PaymentResponse {
        PaymentResponse(
            eventId: UUID().uuidString.lowercased(), eventType: PaymentEventType.allCases[index % 7],
            paymentId: "PAY-\(index)", tenantId: "TENANT-\(index)", customerId: index % 2 == 0 ? "" : "Ünïcødé ✓ 客户",
            status: PaymentEventType.allCases[index % 7].status!, amount: [0.01, 1234.56, 1e12, 3.5][index % 4],
            currency: "EUR", debtorAccount: "DE89370400440532013000",
            creditorAccount: String(repeating: "x", count: index * 40),
            clearingSystem: index % 3 == 0 ? nil : "SEPA", clearingReference: index % 2 == 0 ? "REF-\(index)" : nil,
            failureReason: index % 5 == 0 ? "insufficient funds" : nil, failureCode: index % 5 == 0 ? "AM04" : nil,
            timestamp: [0, 1_764_000_000_123, 253_402_300_799_999, 63, 64, -1][index % 6],
            correlationId: "corr", idempotencyKey: "idem",
            metadata: index % 4 == 0
                ? [:] : Dictionary(uniqueKeysWithValues: (0..<(index % 4)).map { ("k\($0)", "v\($0)") }),
            channel: .partner)
    }

    @Test("writes the same bytes as avro-c for the same record")
    func matchesAvroC() throws {
        let encoder = try PaymentResponseEncoder(schema: schema)
        for index in 0..<40 {
            let response = Self.response(index)
            var direct: [UInt8] = []
            encoder.encode(response, schemaID: 77, into: &direct)
            let reference = try schema.encodeFramed(response.avroValue(encoder.layout), schemaID: 77)
            #expect(direct == reference, "record \(index)")
            // And avro-c reads it back as the same record.
            let (id, payload) = try ConfluentWireFormat.parse(direct)
            #expect(id == 77)
            #expect(try schema.decode(payload) == response.avroValue(encoder.layout))
        }
    }

    @Test("v2 writes compliance holds and releases with subReason and requiredAction, as avro-c does")
    func writesComplianceRecords() throws {
        let encoder = try PaymentResponseEncoder(schema: schema)
        #expect(encoder.layout == .v2)
        var hold = Self.response(1)
        (hold.eventType, hold.status, hold.subReason, hold.requiredAction) = (
            .complianceHold, .compliance, "PEP_REVIEW", "Passport ✓"
        )
        var release = Self.response(2)
        (release.eventType, release.status) = (.complianceReleased, .debited)
        for response in [hold, release] {
            #expect(encoder.canEncode(response))
            var direct: [UInt8] = []
            encoder.encode(response, schemaID: 5, into: &direct)
            #expect(direct == (try schema.encodeFramed(response.avroValue(.v2), schemaID: 5)))
        }
    }

    @Test("the kept v1 schema is written without the compliance hold, which it cannot carry")
    func writesV1() throws {
        let v1 = try AvroSchema(
            json: String(
                contentsOf: repositoryRoot.appendingPathComponent(
                    "schemas/history/PaymentResponse.v1.avsc"), encoding: .utf8))
        let encoder = try PaymentResponseEncoder(schema: v1)
        #expect(encoder.layout == .v1)
        for index in 0..<14 {
            let response = Self.response(index)
            #expect(encoder.canEncode(response))
            var direct: [UInt8] = []
            encoder.encode(response, schemaID: 9, into: &direct)
            #expect(direct == (try v1.encodeFramed(response.avroValue(.v1), schemaID: 9)), "record \(index)")
        }
        var hold = Self.response(1)
        (hold.eventType, hold.status, hold.subReason) = (.complianceHold, .compliance, "AML_REVIEW")
        #expect(!encoder.canEncode(hold))
        var release = Self.response(1)
        (release.eventType, release.status) = (.complianceReleased, .validated)
        #expect(!encoder.canEncode(release))
    }

    @Test("refuses a schema whose fields it does not write")
    func refusesOtherSchemas() throws {
        let other = try AvroSchema(
            json: String(
                contentsOf: repositoryRoot.appendingPathComponent(
                    "Tests/AvroTests/Fixtures/compatible/Example.avsc"), encoding: .utf8))
        #expect(throws: PaymentResponseEncoder.SchemaMismatch.self) { try PaymentResponseEncoder(schema: other) }
        var text = try paymentResponseSchemaText()
        text = text.replacingOccurrences(
            of: #""name": "amount", "type": "double""#, with: #""name": "amount", "type": "float""#)
        #expect(throws: PaymentResponseEncoder.SchemaMismatch.self) {
            try PaymentResponseEncoder(schema: AvroSchema(json: text))
        }
    }
}
