import Avro
import Testing

@Suite("Schema fingerprints and embedded registry ids")
struct SchemaIdentityTests {
    @Test("CRC-64-AVRO matches the values an independent implementation (fastavro) gives")
    func crcVectors() {
        #expect(SchemaFingerprint.crc64Avro(Array("\"null\"".utf8)) == 0x63dd_24e7_cc25_8f8a)
        #expect(
            SchemaFingerprint.crc64Avro(Array(#"{"type":"fixed","name":"foo","size":15}"#.utf8))
                == 0xc1a3_03eb_5fd9_d580)
    }

    @Test("the id depends on the schema, not on its formatting")
    func stableIDs() throws {
        let compact = #"{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}"#
        let pretty = """
            {
              "fields": [ { "type": "string", "name": "a" } ],
              "name": "R",
              "type": "record"
            }
            """
        let other = #"{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}"#
        #expect(SchemaFingerprint.embeddedID(of: compact) == SchemaFingerprint.embeddedID(of: pretty))
        #expect(SchemaFingerprint.embeddedID(of: compact) != SchemaFingerprint.embeddedID(of: other))
        #expect(SchemaFingerprint.embeddedID(of: compact) > 0)
    }

    @Test("the embedded registry serves schemas by id and subject versions in order")
    func embeddedRegistry() async throws {
        let registry = EmbeddedSchemaRegistry()
        let schema = try loadPaymentResponseSchema()
        let id = try await registry.id(of: schema, subject: "payments.responses.partner.T1-value")
        #expect(id == schema.embeddedID)
        #expect(try await registry.id(of: schema, subject: "payments.responses.partner.T1-value") == id)
        #expect(registry.versions(of: "payments.responses.partner.T1-value") == [1])
        #expect(registry.version(nil, of: "payments.responses.partner.T1-value")?.id == id)
        #expect(try await registry.schema(id: id).text == schema.text)
        await #expect(throws: SchemaRegistryError.self) { try await registry.schema(id: id &+ 1) }
        #expect(registry.subjects == ["payments.responses.partner.T1-value"])
    }

    @Test(
        "with the schema's history set, a subject lists the versions up to the one registered, and both resolve by id")
    func subjectHistory() async throws {
        let v1 = try loadPaymentResponseSchema(version: 1)
        let v2 = try loadPaymentResponseSchema()
        let registry = EmbeddedSchemaRegistry()
        try registry.setHistory([v1, v2])
        #expect(registry.subjects.isEmpty, "history alone registers no subject")
        #expect(try await registry.schema(id: v1.embeddedID).text == v1.text)
        _ = try await registry.id(of: v2, subject: "payments.responses.web.T2-value")
        #expect(registry.versions(of: "payments.responses.web.T2-value") == [1, 2])
        #expect(registry.version(1, of: "payments.responses.web.T2-value")?.id == v1.embeddedID)
        #expect(registry.version(nil, of: "payments.responses.web.T2-value")?.id == v2.embeddedID)
        // A bridge still writing v1 shows only v1.
        _ = try await registry.id(of: v1, subject: "payments.responses.web.T3-value")
        #expect(registry.versions(of: "payments.responses.web.T3-value") == [1])
    }
}
