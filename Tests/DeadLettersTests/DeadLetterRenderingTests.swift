import Avro
import Foundation
import Kafka
import Payments
import TestSupport
import Testing

@testable import DeadLetters

/// What `dlt list` and `dlt show` print, from DLT records made here (no broker).
@Suite("Dead-letter rendering")
struct DeadLetterRenderingTests {
    let failed = Date(timeIntervalSince1970: 1_764_000_000.5)

    func deadLetter(value: [UInt8]?, headers: [KafkaHeader] = [], status: Int? = 503) -> DeadLetterEntry {
        let original = ConsumerRecord(
            topic: "payments.responses.partner.PARTNER-ABC", partition: 1, offset: 41,
            key: Array("PAY-7".utf8), value: value, headers: headers, timestamp: 1_764_000_000_000)
        let cause = DeadLetterCause(
            reason: .retriesExhausted, error: "HTTP 503 \"unavailable\"", httpStatus: status, attempts: 9,
            firstAttempt: failed.addingTimeInterval(-86_400), lastAttempt: failed)
        let record = DeadLetter.record(for: original, cause: cause, consumerGroup: "payments-webhook-sink")
        return DeadLetterEntry(
            ConsumerRecord(
                topic: record.topic, partition: 0, offset: 3, key: record.key, value: record.value,
                headers: record.headers, timestamp: record.timestamp))
    }

    func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test("a replay window takes the records dead-lettered from its start until before its end")
    func replayWindow() {
        func entry(at time: Int64?) -> DeadLetterEntry {
            DeadLetterEntry(
                ConsumerRecord(
                    topic: "payments.responses.partner.PARTNER-ABC.DLT", partition: 0, offset: 1, key: nil,
                    value: [1], headers: [], timestamp: time))
        }
        let window = ReplaySelection.window(since: 1_000, until: 2_000)
        #expect(window.matches(entry(at: 1_000)))
        #expect(window.matches(entry(at: 1_999)))
        #expect(!window.matches(entry(at: 999)))
        #expect(!window.matches(entry(at: 2_000)))
        #expect(!window.matches(entry(at: nil)))
    }

    @Test("a listing line carries the coordinates and DLT headers, with null for a header the record lacks")
    func listingLine() throws {
        let line = DeadLetterListing(deadLetter(value: Array("{}".utf8), status: nil)).jsonLine
        #expect(!line.contains("\n"))
        let fields = try object(line)
        #expect(fields["partition"] as? Int == 0 && fields["offset"] as? Int == 3)
        #expect(fields["key"] as? String == "PAY-7")
        #expect(fields["reason"] as? String == "retries_exhausted")
        #expect(fields["error"] as? String == "HTTP 503 \"unavailable\"")
        #expect(fields["originalTopic"] as? String == "payments.responses.partner.PARTNER-ABC")
        #expect(fields["attempts"] as? Int == 9)
        #expect(fields["lastAttempt"] as? String == "2025-11-24T16:00:00.500Z")
        #expect(fields["httpStatus"] is NSNull, "present, and null")
        let decoded = try JSONDecoder().decode(DeadLetterListing.self, from: Data(line.utf8))
        #expect(decoded == DeadLetterListing(deadLetter(value: Array("{}".utf8), status: nil)))
    }

    @Test("the table shows one row per record with the age of its last attempt")
    func table() {
        let listing = DeadLetterListing(deadLetter(value: nil))
        let lines = DeadLetterListing.table([listing], now: failed.addingTimeInterval(3 * 3600 + 5)).split(
            separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("PARTITION  OFFSET  KEY    REASON"))
        #expect(
            lines[1].split(separator: " ", omittingEmptySubsequences: true)
                == ["0", "3", "PAY-7", "retries_exhausted", "503", "9", "3h"])
    }

    @Test("show renders an Avro value with its writer's schema, headers as pairs, non-UTF-8 bytes as base64")
    func showsAvro() async throws {
        let schema = try AvroSchema(
            json:
                #"{"type":"record","name":"R","fields":[{"name":"paymentId","type":"string"},{"name":"amount","type":"double"}]}"#
        )
        let registry = EmbeddedSchemaRegistry()
        let id = try registry.register(schema)
        let value = try schema.encodeFramed(
            .record([.init("paymentId", .string("PAY-7")), .init("amount", .double(12.5))]), schemaID: id)
        let entry = deadLetter(
            value: value,
            headers: [
                KafkaHeader("eventId", "e-1"), KafkaHeader(name: "raw", value: [0xff, 0x00]),
                KafkaHeader(name: "empty", value: nil),
            ])
        let tool = DeadLetterTool(
            kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:9", clientID: "test"), registry: registry,
            maxRecordBytes: 1 << 20, logger: quietLogger)
        let document = try object(await tool.show(entry).json)
        #expect(document["topic"] as? String == "payments.responses.partner.PARTNER-ABC.DLT")
        #expect(document["timestamp"] as? String == "2025-11-24T16:00:00.000Z")
        #expect(document["key"] as? String == "PAY-7")
        let shown = try #require(document["value"] as? [String: Any])
        #expect(shown["paymentId"] as? String == "PAY-7" && shown["amount"] as? Double == 12.5)
        let headers = try #require(document["headers"] as? [[Any]])
        #expect(headers.contains { $0.first as? String == "eventId" && $0.last as? String == "e-1" })
        #expect(headers.contains { $0.first as? String == "raw" && $0.last as? String == "base64:/wA=" })
        #expect(headers.contains { $0.first as? String == "empty" && $0.last is NSNull })
        #expect(headers.contains { $0.first as? String == "dlt.reason" && $0.last as? String == "retries_exhausted" })
    }

    @Test("show renders JSON as JSON, other text as a string, other bytes as base64, no value as null")
    func showsOtherValues() async throws {
        let tool = DeadLetterTool(
            kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:9", clientID: "test"),
            registry: EmbeddedSchemaRegistry(), maxRecordBytes: 1 << 20, logger: quietLogger)
        let json = try object(
            await tool.show(deadLetter(value: Array(#"{"eventId":"e-1","n":[1,2.5,null,true]}"#.utf8))).json)
        let value = try #require(json["value"] as? [String: Any])
        #expect(value["eventId"] as? String == "e-1")
        #expect((value["n"] as? [Any])?.count == 4)
        let text = try object(await tool.show(deadLetter(value: Array("{not json".utf8))).json)
        #expect(text["value"] as? String == "{not json")
        let bytes = try object(await tool.show(deadLetter(value: [0x00, 0xfe, 0xff])).json)
        #expect(bytes["value"] as? String == "base64:AP7/")
        let none = try object(await tool.show(deadLetter(value: nil)).json)
        #expect(none["value"] is NSNull)
    }
}

@Suite struct AvroValueAsJSONTests {
    @Test("Avro values as JSON: records and maps as objects, bytes as base64, NaN as null")
    func avroValues() throws {
        let value: AvroValue = .record([
            .init("name", .string("quote\" and\nline")), .init("kind", .enumSymbol("A")),
            .init("entries", .map(["b": .long(2), "a": .null])), .init("list", .array([.int(1), .boolean(true)])),
            .init("bytes", .bytes([1, 2])), .init("amount", .double(100.5)), .init("nan", .double(.nan)),
        ])
        let document = DeadLetterDocument(
            DeadLetterEntry(
                ConsumerRecord(
                    topic: "t.DLT", partition: 0, offset: 0, key: nil,
                    value: nil, headers: [], timestamp: nil)),
            value: JSONValue(value))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(
            String(decoding: try encoder.encode(document.value), as: UTF8.self)
                == #"{"amount":100.5,"bytes":"AQI=","entries":{"a":null,"b":2},"kind":"A","list":[1,true],"#
                + #""name":"quote\" and\nline","nan":null}"#)
    }
}
