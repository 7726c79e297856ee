// The per-record work of the bridge and the sink without Kafka or HTTP, on a fixed input, for
// instruction counts under callgrind (benchmarks/run.sh instructions runs it twice, with COUNT
// and with a small COUNT, so that start-up and the first records' one-time costs cancel out).
//   bridge: an internal event (JSON) parsed, validated, mapped to its PaymentResponse and
//           encoded (Confluent framed Avro) into the record for its partner topic, with key and
//           headers: BridgeService's own code (BridgeRecordPath), every partner topic in use.
//   sink:   a response record's value (Confluent framed Avro) decoded into its PaymentResponse,
//           rendered into the webhook body and signed (Standard Webhooks and X-Webhook-Signature,
//           one secret): the framing, PaymentResponseReader (the decoder's path for the schemas the
//           bridge writes), WebhookBody and WebhookSigner, as each delivery does.
// The input is the same in every run: 1000 distinct events (and their responses), used in turn.
// Usage: instructions-bench bridge|sink COUNT SCHEMA_FILE; prints one JSON line.
import Avro
import BenchmarkEvents
import Bridge
import Foundation
import Payments
import ResponseCodec
import Webhooks

let arguments = CommandLine.arguments
guard arguments.count == 4, ["bridge", "sink"].contains(arguments[1]), let count = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: instructions-bench bridge|sink COUNT SCHEMA_FILE\n".utf8))
    exit(2)
}
let tenants = 10
let distinct = 1000

/// A fixed UUID per index (the input must not change from run to run).
func eventID(_ index: Int) -> String {
    let hex = String(index, radix: 16)
    return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
}

let parser = PaymentEventParser(knownTenants: Set((0..<tenants).map { benchmarkTenant($0, tenants: tenants) }))
let events = (0..<distinct).map {
    benchmarkEvent($0, tenants: tenants, eventID: eventID($0), eventType: benchmarkEventTypes[$0 % 5])
}

/// Prepares `count` records as the bridge does; sums their sizes, so that none is left out.
@inline(never)
func bridge(_ count: Int, path: BridgeRecordPath) -> Int {
    var total = 0
    for index in 0..<count {
        guard let record = path.prepare(events[index % distinct]) else { fatalError("event \(index) not answered") }
        total &+= (record.value?.count ?? 0) &+ (record.key?.count ?? 0) &+ record.headers.count
    }
    return total
}

/// Decodes, renders and signs `count` deliveries as the sink does; sums the sizes.
@inline(never)
func sink(_ count: Int, values: [[UInt8]], reader: PaymentResponseReader, signer: WebhookSigner) throws -> Int {
    var total = 0
    for index in 0..<count {
        let (_, payload) = try ConfluentWireFormat.parse(values[index % distinct])
        let response = try reader.read(payload, channel: .partner)
        let body = WebhookBody.render(response)
        let now: Int64 = 1_764_000_000_123 + Int64(index)
        for (_, value) in signer.headers(id: response.eventId, timestamp: now / 1000, body: body, now: now) {
            total &+= value.utf8.count
        }
        total &+= body.count
    }
    return total
}

let checksum: Int
switch arguments[1] {
case "bridge":
    let schema = try AvroSchema(json: String(contentsOfFile: arguments[3], encoding: .utf8))
    checksum = bridge(count, path: try BridgeRecordPath(parser: parser, schema: schema, schemaID: 1))
default:
    // The responses the bridge makes of the same events, with what the sink benchmark's records carry besides.
    let responses = events.map { event -> PaymentResponse in
        guard case .response(var response) = parser.parse(event) else { fatalError("an event is not answered") }
        response.clearingSystem = "SEPA"
        response.metadata = ["channel": "api"]
        return response
    }
    let schema = try AvroSchema(json: String(contentsOfFile: arguments[3], encoding: .utf8))
    let encoder = try PaymentResponseEncoder(schema: schema)
    let values = responses.map { response in
        var value: [UInt8] = []
        encoder.encode(response, schemaID: 1, into: &value)
        return value
    }
    let secret = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
    guard let reader = PaymentResponseReader(writerSchema: schema) else {
        fatalError("the schema is not read directly")
    }
    checksum = try sink(count, values: values, reader: reader, signer: try WebhookSigner(secrets: [secret]))
}
print(#"{"path":"\#(arguments[1])","count":\#(count),"checksum":\#(checksum)}"#)
