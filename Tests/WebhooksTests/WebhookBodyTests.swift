import Avro
import Foundation
import Payments
import TestSupport
import Testing

@testable import ResponseCodec
@testable import Webhooks

func sampleResponse(
    eventId: String = "0b7e2a4c-1111-4222-8333-944455556666", paymentId: String = "PAY-1",
    tenant: String = "PARTNER-ABC", type: PaymentEventType = .completed,
    metadata: [String: String] = ["b": "2", "a": "quote\"d"]
) -> PaymentResponse {
    PaymentResponse(
        eventId: eventId, eventType: type, paymentId: paymentId, tenantId: tenant, customerId: "CUST-9",
        status: type.status ?? .debited, amount: 100.5, currency: "EUR", debtorAccount: "DE89", creditorAccount: "FR14",
        clearingSystem: "SEPA", clearingReference: nil, failureReason: nil, failureCode: nil,
        timestamp: 1_764_000_000_123, correlationId: "corr-\(paymentId)", idempotencyKey: "idem-\(paymentId)",
        metadata: metadata, channel: .partner)
}

@Suite struct WebhookBodyTests {
    @Test func rendersTheResponseAsJSONInSchemaOrder() {
        let body = String(decoding: WebhookBody.render(sampleResponse()), as: UTF8.self)
        #expect(
            body
                == #"{"eventId":"0b7e2a4c-1111-4222-8333-944455556666","eventType":"PAYMENT_COMPLETED","paymentId":"PAY-1","#
                + #""tenantId":"PARTNER-ABC","customerId":"CUST-9","status":"COMPLETED","amount":100.5,"currency":"EUR","#
                + #""debtorAccount":"DE89","creditorAccount":"FR14","clearingSystem":"SEPA","clearingReference":null,"#
                + #""failureReason":null,"failureCode":null,"timestamp":"2025-11-24T16:00:00.123Z","correlationId":"corr-PAY-1","#
                + #""idempotencyKey":"idem-PAY-1","metadata":{"a":"quote\"d","b":"2"}}"#)
    }

    @Test func bodyIsValidJSONThatFoundationReadsBack() throws {
        var response = sampleResponse(metadata: ["line": "a\nb\t\u{1}ü€"])
        response.amount = 0.1
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(WebhookBody.render(response))) as? [String: Any])
        #expect(object["amount"] as? Double == 0.1)
        #expect((object["metadata"] as? [String: String])?["line"] == "a\nb\t\u{1}ü€")
        #expect(object["clearingReference"] is NSNull)
    }

    @Test func decodesRecordsWrittenWithTheCurrentSchema() async throws {
        let schema = try AvroSchema(json: paymentResponseSchemaText())
        let registry = EmbeddedSchemaRegistry()
        let id = try registry.register(schema)
        let response = sampleResponse()
        let framed = try schema.encodeFramed(response.avroValue(), schemaID: id)
        let decoded = try await PaymentResponseDecoder(registry: registry).decode(framed, channel: .partner)
        #expect(decoded == response)
    }

    @Test func mapsFieldsByNameSoAnOlderWriterWithoutMetadataGetsTheDefault() async throws {
        let older = try AvroSchema(
            json: #"{"type":"record","name":"PaymentResponse","namespace":"com.payments.events","fields":["#
                + #"{"name":"eventId","type":"string"},{"name":"eventType","type":{"type":"enum","name":"PaymentEventType","symbols":["PAYMENT_COMPLETED"]}},"#
                + #"{"name":"paymentId","type":"string"},{"name":"tenantId","type":"string"},{"name":"customerId","type":"string"},"#
                + #"{"name":"status","type":{"type":"enum","name":"PaymentStatus","symbols":["COMPLETED"]}},{"name":"amount","type":"double"},"#
                + #"{"name":"currency","type":"string"},{"name":"debtorAccount","type":"string"},{"name":"creditorAccount","type":"string"},"#
                + #"{"name":"timestamp","type":{"type":"long","logicalType":"timestamp-millis"}},"#
                + #"{"name":"correlationId","type":"string"},{"name":"idempotencyKey","type":"string"}]}"#)
        let registry = EmbeddedSchemaRegistry()
        let id = try registry.register(older)
        var response = sampleResponse(metadata: [:])
        response.clearingSystem = nil
        let fields = try #require({ if case .record(let f) = response.avroValue() { f } else { nil } }())
        let kept = fields.filter { field in older.text.contains("\"name\":\"\(field.name)\"") }
        let framed = try older.encodeFramed(.record(kept), schemaID: id)
        let decoded = try await PaymentResponseDecoder(registry: registry).decode(framed, channel: .partner)
        #expect(decoded == response)
    }

    @Test func aComplianceHoldCarriesStatusSubReasonAndRequiredActionLast() throws {
        var hold = sampleResponse(type: .complianceHold)
        (hold.subReason, hold.requiredAction) = ("PEP_REVIEW", "Send \"form B\"\nsigned")
        let body = String(decoding: WebhookBody.render(hold), as: UTF8.self)
        #expect(body.contains(#""eventType":"PAYMENT_COMPLIANCE_HOLD","#) && body.contains(#""status":"COMPLIANCE","#))
        #expect(
            body.hasSuffix(
                #""metadata":{"a":"quote\"d","b":"2"},"subReason":"PEP_REVIEW","requiredAction":"Send \"form B\"\nsigned"}"#
            ))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(WebhookBody.render(hold))) as? [String: Any])
        #expect(object["requiredAction"] as? String == "Send \"form B\"\nsigned")
        hold.requiredAction = nil
        let withoutAction = String(decoding: WebhookBody.render(hold), as: UTF8.self)
        #expect(withoutAction.hasSuffix(#""subReason":"PEP_REVIEW"}"#) && !withoutAction.contains("requiredAction"))
    }

    @Test func decodesAV2ComplianceHoldAndAV1RecordWrittenBeforeTheUpgrade() async throws {
        let registry = EmbeddedSchemaRegistry()
        let v2 = try AvroSchema(json: paymentResponseSchemaText())
        var hold = sampleResponse(type: .complianceHold)
        (hold.subReason, hold.requiredAction) = ("DOCUMENTS_REQUIRED", "Proof of address")
        let decoder = PaymentResponseDecoder(registry: registry)
        let held = try await decoder.decode(
            try v2.encodeFramed(hold.avroValue(), schemaID: try registry.register(v2)), channel: .partner)
        #expect(held == hold)
        let v1 = try AvroSchema(
            json: String(
                contentsOf: repositoryRoot.appendingPathComponent("schemas/history/PaymentResponse.v1.avsc"),
                encoding: .utf8))
        let old = sampleResponse()
        guard case .record(let fields) = old.avroValue() else { return }
        let framed = try v1.encodeFramed(.record(Array(fields.dropLast(2))), schemaID: try registry.register(v1))
        let decoded = try await decoder.decode(framed, channel: .partner)
        #expect(decoded == old && decoded.subReason == nil)
        #expect(WebhookBody.render(decoded) == WebhookBody.render(old), "the same body as before v2")
    }

    @Test func unknownSchemaIdsAndBadFramingAreDecodeErrors() async throws {
        let decoder = PaymentResponseDecoder(registry: EmbeddedSchemaRegistry())
        func code(_ value: [UInt8]?) async -> DecodeError.Code? {
            do {
                _ = try await decoder.decode(value, channel: .web)
                return nil
            } catch { return error.code }
        }
        #expect(await code([0, 0, 0, 0, 9, 1]) == .unknownSchema)
        #expect(await code([7, 1, 2]) == .notFramed)
        #expect(await code(nil) == .notFramed)
        let schema = try AvroSchema(json: #"{"type":"record","name":"Other","fields":[{"name":"x","type":"long"}]}"#)
        let registry = EmbeddedSchemaRegistry()
        let other = PaymentResponseDecoder(registry: registry)
        let framed = try schema.encodeFramed(.record([.init("x", .long(1))]), schemaID: try registry.register(schema))
        do {
            _ = try await other.decode(framed, channel: .web)
            Issue.record("decoded a record that is not a response")
        } catch {
            #expect(error.code == .notAResponse && !error.isTransient)
        }
        do {
            _ = try await other.decode(Array(framed.prefix(5)) + [0xff], channel: .web)
            Issue.record("decoded a truncated value")
        } catch {
            #expect(error.code == .undecodable)
        }
    }
}
