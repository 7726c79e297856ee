import Avro
import Foundation
import Payments
import PropertyBased
import TestSupport
import Testing

@testable import ResponseCodec

/// The direct reader against avro-c's generic reading of the same bytes (`PaymentResponseDecoder`'s
/// other path, which maps fields by name).
@Suite("PaymentResponse reader")
struct PaymentResponseReaderTests {
    let v2: AvroSchema = try! AvroSchema(json: paymentResponseSchemaText())
    let v1: AvroSchema = try! AvroSchema(
        json: String(
            contentsOf: repositoryRoot.appendingPathComponent("schemas/history/PaymentResponse.v1.avsc"),
            encoding: .utf8))

    /// What avro-c's generic values make of `payload`, as the decoder's generic path maps them.
    static func generic(_ schema: AvroSchema, _ payload: ArraySlice<UInt8>) throws(DecodeError) -> PaymentResponse {
        let value: AvroValue
        do { value = try schema.decode(payload) } catch { throw DecodeError(.undecodable, "\(error)") }
        return try PaymentResponseDecoder.response(from: value, channel: .partner)
    }

    enum Outcome: Equatable {
        case decoded(PaymentResponse)
        case failed(DecodeError.Code)
    }

    /// What the direct reader and avro-c's generic path each make of `payload`, in that order.
    static func outcomes(_ reader: PaymentResponseReader, _ schema: AvroSchema, _ payload: ArraySlice<UInt8>)
        -> [Outcome]
    {
        func outcome(_ read: () throws(DecodeError) -> PaymentResponse) -> Outcome {
            do throws(DecodeError) { return .decoded(try read()) } catch { return .failed(error.code) }
        }
        return [
            outcome { () throws(DecodeError) in try reader.read(payload, channel: .partner) },
            outcome { () throws(DecodeError) in try generic(schema, payload) },
        ]
    }

    /// `response` as `PaymentResponseEncoder` writes it with `schema`, without the framing.
    static func payload(_ response: PaymentResponse, _ schema: AvroSchema) throws -> [UInt8] {
        var written: [UInt8] = []
        try PaymentResponseEncoder(schema: schema).encode(response, schemaID: 1, into: &written)
        return Array(written.dropFirst(5))
    }

    static let text = Gen.element(of: ["", "a", "é", "💶", "客户", "\"", "\n", "\u{0}", "PAY-1", "\u{7f}"])
        .array(of: 0...8).map { $0.compactMap { $0 }.joined() }
    /// Map keys without NUL: avro-c hands keys over as C strings and cuts them there.
    static let key = Gen.element(of: ["", "a", "é", "💶", "k1", "k2", "\n"]).array(of: 0...4).map {
        $0.compactMap { $0 }.joined()
    }

    static let metadata = zip(key, text).array(of: 0...6)
        .map { Dictionary($0, uniquingKeysWith: { first, _ in first }) }
    static let amount = Gen.element(of: [0.0, -0.0, 0.1, 1234.56, -1e300, .infinity, .leastNonzeroMagnitude])
        .map { $0 ?? 0 }
    static let ids = zip(text, text, text, text)
    static let optionals = zip(text.optional, text.optional, text.optional, text.optional, text.optional)
    static let response = zip(
        ids, optionals, zip(Gen.int(in: 0...8), Gen.int(in: 0...7), amount, Gen.int64(in: Int64.min...Int64.max)),
        metadata
    ).map { ids, optionals, numbers, metadata in
        PaymentResponse(
            eventId: ids.0, eventType: PaymentEventType.allCases[numbers.0], paymentId: ids.1, tenantId: ids.2,
            customerId: ids.3, status: PaymentStatus.allCases[numbers.1], amount: numbers.2, currency: ids.3,
            debtorAccount: ids.0, creditorAccount: ids.1, clearingSystem: optionals.0, clearingReference: optionals.1,
            failureReason: optionals.2, failureCode: optionals.0, timestamp: numbers.3, correlationId: ids.2,
            idempotencyKey: ids.3, metadata: metadata, channel: .partner, subReason: optionals.3,
            requiredAction: optionals.4)
    }

    @Test func readsWhatTheEncoderWritesAsAvroCDoesInBothLayouts() async throws {
        let readers = try [v2, v1].map { try #require(PaymentResponseReader(writerSchema: $0)) }
        #expect(readers.map(\.layout) == [.v2, .v1])
        await propertyCheck(count: 300, input: Self.response) { response in
            for (schema, reader) in zip([v2, v1], readers) {
                guard try PaymentResponseEncoder(schema: schema).canEncode(response) else { continue }
                let payload = try Self.payload(response, schema)[...]
                let direct = try reader.read(payload, channel: .partner)
                #expect(direct == (try Self.generic(schema, payload)))
                var expected = response
                if reader.layout == .v1 { (expected.subReason, expected.requiredAction) = (nil, nil) }
                #expect(direct == expected)
            }
        }
    }

    @Test func readsWhatAvroCWrites() throws {
        let reader = try #require(PaymentResponseReader(writerSchema: v2))
        for index in 0..<40 {
            let response = PaymentResponseEncoderTests.response(index)
            let payload = try v2.encode(response.avroValue())
            #expect(try reader.read(payload[...], channel: .partner) == response, "record \(index)")
        }
    }

    @Test func aRecordCutShortAnywhereIsUndecodableAsAvroCFindsIt() throws {
        let reader = try #require(PaymentResponseReader(writerSchema: v2))
        var hold = PaymentResponseEncoderTests.response(3)
        (hold.eventType, hold.status, hold.subReason, hold.requiredAction) = (
            .complianceHold, .compliance, "AML_REVIEW", "call"
        )
        let payload = try v2.encode(hold.avroValue())
        for length in 0..<payload.count {
            let cut = payload[..<length]
            #expect(Self.outcomes(reader, v2, cut) == [.failed(.undecodable), .failed(.undecodable)])
        }
        // Bytes after the record are left alone by both, as Avro readers do.
        let longer = (payload + [1, 2, 3])[...]
        #expect(try reader.read(longer, channel: .partner) == hold)
        #expect(try Self.generic(v2, longer) == hold)
    }

    @Test func unknownSymbolsAndBadUnionBranchesFailAsWithAvroC() throws {
        let reader = try #require(PaymentResponseReader(writerSchema: v2))
        let response = PaymentResponseEncoderTests.response(0)
        let payload = try v2.encode(response.avroValue())
        // The eventType index follows eventId (one length byte and its 36 characters).
        let at = 1 + response.eventId.utf8.count
        #expect(payload[at] == 0, "PAYMENT_INITIATED is symbol 0")
        // avro-c reads any index and finds no symbol for one outside the enum: the direct reader does the same.
        for symbol in [9, 10, -1] {
            var changed = payload
            changed[at] = UInt8(truncatingIfNeeded: (symbol << 1) ^ (symbol >> 63))
            let both = Self.outcomes(reader, v2, changed[...])
            #expect(both == [.failed(.notAResponse), .failed(.notAResponse)], "symbol \(symbol): \(both)")
        }
        // clearingSystem's union takes branch 0 (null) or 1 (string); 2 is neither. It follows
        // the fields up to creditorAccount.
        var prefix = AvroBinaryWriter(output: [])
        for field in [response.eventId, "", response.paymentId, response.tenantId, response.customerId, ""] {
            if field.isEmpty { prefix.long(0) } else { prefix.string(field) }
        }
        prefix.double(response.amount)
        for field in [response.currency, response.debtorAccount, response.creditorAccount] { prefix.string(field) }
        var branch = payload
        #expect(branch[prefix.output.count] == 0, "clearingSystem of record 0 is null")
        branch[prefix.output.count] = 4
        #expect(Self.outcomes(reader, v2, branch[...]) == [.failed(.undecodable), .failed(.undecodable)])
    }

    @Test func aMapWrittenInBlocksWithSizesReadsAsAvroCReadsIt() throws {
        let reader = try #require(PaymentResponseReader(writerSchema: v1))
        var response = PaymentResponseEncoderTests.response(0)
        response.metadata = [:]
        // v1 ends with the map: replace its empty block by two blocks, the first with a negative
        // count and its size in bytes, the second repeating a key (the last value wins).
        var bytes = Array(try Self.payload(response, v1).dropLast())
        var writer = AvroBinaryWriter(output: [])
        writer.string("k")
        writer.string("v")
        writer.string("j")
        writer.string("w")
        let entries = writer.output
        writer.output = []
        writer.long(-2)
        writer.long(Int64(entries.count))
        bytes += writer.output + entries
        writer.output = []
        writer.long(1)
        writer.string("k")
        writer.string("last")
        writer.long(0)
        bytes += writer.output
        let direct = try reader.read(bytes[...], channel: .partner)
        #expect(direct.metadata == ["k": "last", "j": "w"])
        #expect(direct == (try Self.generic(v1, bytes[...])))
    }

    @Test func illFormedUTF8AndLongVarintsReadAsAvroCReadsThem() throws {
        let reader = try #require(PaymentResponseReader(writerSchema: v1))
        var response = PaymentResponseEncoderTests.response(1)
        response.eventId = "e"
        let payload = try Self.payload(response, v1)
        // eventId "e" is [2, 0x65]: give it bytes that are not UTF-8 instead (both repair them alike).
        let illFormed = [4, 0xff, 0xc3] + payload.dropFirst(2)
        let mine = try reader.read(illFormed[...], channel: .partner)
        #expect(mine == (try Self.generic(v1, illFormed[...])))
        #expect(mine.eventId == "\u{FFFD}\u{FFFD}")
        // The same length in ten bytes (zero bits after the first): still 1 byte of "e".
        let padded = [0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00] + payload.dropFirst(1)
        #expect(try reader.read(padded[...], channel: .partner) == response)
        #expect(try Self.generic(v1, padded[...]) == response)
        // Eleven bytes is no Avro long.
        let tooLong = [0x82] + Array(repeating: 0x80, count: 9) + [0x00] + payload.dropFirst(1)
        #expect(Self.outcomes(reader, v1, tooLong[...]) == [.failed(.undecodable), .failed(.undecodable)])
    }

    @Test func aMapKeyHoldingNULIsKeptWhole() throws {
        // avro-c hands keys over as C strings and ends this one at the NUL ("a"); the record's
        // bytes say "a\u{0}b", and so does the direct reader.
        let reader = try #require(PaymentResponseReader(writerSchema: v1))
        var response = PaymentResponseEncoderTests.response(1)
        response.metadata = ["a\u{0}b": "v"]
        let payload = try Self.payload(response, v1)
        #expect(try reader.read(payload[...], channel: .partner).metadata == ["a\u{0}b": "v"])
        #expect(try Self.generic(v1, payload[...]).metadata == ["a": "v"])
    }

    @Test func anotherSchemaIsNotReadDirectly() throws {
        var text = try paymentResponseSchemaText()
        text = text.replacingOccurrences(
            of: #"{"name": "amount", "type": "double""#, with: #"{"name": "amount", "type": "float""#)
        #expect(PaymentResponseReader(writerSchema: try AvroSchema(json: text)) == nil)
    }
}
