import Avro
@testable import Bridge
import Foundation
import Payments
import TestSupport
import Testing

@Suite("PaymentResponse encoder")
struct PaymentResponseEncoderTests {
    let schema: AvroSchema = try! AvroSchema(json: paymentResponseSchemaText())

    static func response(_ index: Int) -> PaymentResponse {
        PaymentResponse(
            eventId: UUID().uuidString.lowercased(), eventType: PaymentEventType.allCases[index % 7],
            paymentId: "PAY-\(index)", tenantId: "TENANT-\(index)", customerId: index % 2 == 0 ? "" : "Ünïcødé ✓ 客户",
            status: PaymentEventType.allCases[index % 7].status!, amount: [0.01, 1234.56, 1e12, 3.5][index % 4],
            currency: "EUR", debtorAccount: "DE89370400440532013000", creditorAccount: String(repeating: "x", count: index * 40),
            clearingSystem: index % 3 == 0 ? nil : "SEPA", clearingReference: index % 2 == 0 ? "REF-\(index)" : nil,
            failureReason: index % 5 == 0 ? "insufficient funds" : nil, failureCode: index % 5 == 0 ? "AM04" : nil,
            timestamp: [0, 1_764_000_000_123, 253_402_300_799_999, 63, 64, -1][index % 6],
            correlationId: "corr", idempotencyKey: "idem",
            metadata: index % 4 == 0 ? [:] : Dictionary(uniqueKeysWithValues: (0..<(index % 4)).map { ("k\($0)", "v\($0)") }),
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

    @Test("refuses a schema whose fields it does not write")
    func refusesOtherSchemas() throws {
        let other = try AvroSchema(json: String(contentsOf: repositoryRoot.appendingPathComponent(
            "Tests/AvroTests/Fixtures/compatible/Example.avsc"), encoding: .utf8))
        #expect(throws: PaymentResponseEncoder.SchemaMismatch.self) { try PaymentResponseEncoder(schema: other) }
        var text = try paymentResponseSchemaText()
        text = text.replacingOccurrences(of: #""name": "amount", "type": "double""#, with: #""name": "amount", "type": "float""#)
        #expect(throws: PaymentResponseEncoder.SchemaMismatch.self) { try PaymentResponseEncoder(schema: AvroSchema(json: text)) }
    }
}
