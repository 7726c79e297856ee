// Produces N records through payments-bridge's KafkaProducer, waiting for every delivery
// report, and prints one JSON line comparable with benchmarks/producer/raw_producer.c.
//   producer-bench BOOTSTRAP TOPIC COUNT SIZE [token|closure]
// token (default): outcomes go to the producer-wide handler, no allocation per record;
// closure: a completion closure per record.
import Foundation
import Kafka
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 5, let count = Int(arguments[3]), let size = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: producer-bench BOOTSTRAP TOPIC COUNT SIZE [token|closure]\n".utf8))
    exit(2)
}
let mode = arguments.count > 5 ? arguments[5] : "token"
let delivered = Atomic<Int>(0)
let failed = Atomic<Int>(0)
let kafka = KafkaConfiguration(
    bootstrapServers: arguments[1], clientID: "producer-bench", properties: ["log_level": "3"])
let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka)) { outcome in
    if outcome.error == nil { delivered.add(1, ordering: .relaxed) } else { failed.add(1, ordering: .relaxed) }
}
let topic = arguments[2]
let value = [UInt8](repeating: UInt8(ascii: "x"), count: size)

func produceAll() async throws {
    for index in 0..<count {
        let record = ProducerRecord(topic: topic, key: Array("pay-\(index % 10_000)".utf8), value: value)
        if mode == "closure" {
            try await producer.enqueue(record) { result in
                switch result {
                case .success: delivered.add(1, ordering: .relaxed)
                case .failure: failed.add(1, ordering: .relaxed)
                }
            }
        } else {
            try await producer.enqueue(record, token: UInt(index))
        }
    }
    try await producer.flush(timeout: .seconds(120))
}

let start = ContinuousClock.now
try await produceAll()
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let ok = delivered.load(ordering: .relaxed)
print(
    #"{"impl":"swift-\#(mode)","records":\#(count),"delivered":\#(ok),"failed":\#(failed.load(ordering: .relaxed)),"seconds":\#(String(format: "%.3f", seconds)),"per_second":\#(Int(Double(ok) / seconds)),"librdkafka":"\#(KafkaLibrary.version)"}"#
)
await producer.close()
exit(failed.load(ordering: .relaxed) == 0 ? 0 : 1)
