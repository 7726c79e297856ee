import Avro
import Foundation
import Kafka
import Logging
import Payments

/// What the `dlt` commands do, apart from parsing arguments: read a DLT, find and render its
/// records, replay a selection. Errors are `DeadLetterToolError`s with a message for the operator.
public struct DeadLetterTool: Sendable {
    public let kafka: KafkaConfiguration
    /// The service's record limit: replays write what it wrote.
    private let maxRecordBytes: Int
    /// Where the writers' schemas of Avro values are found.
    private let registry: SchemaRegistry
    private let logger: Logger

    public init(kafka: KafkaConfiguration, registry: SchemaRegistry, maxRecordBytes: Int, logger: Logger) {
        self.kafka = kafka
        self.registry = registry
        self.maxRecordBytes = maxRecordBytes
        self.logger = logger
    }

    /// The records of a DLT topic, oldest first per partition.
    public func entries(of topic: String) async throws -> [DeadLetterEntry] {
        guard PaymentTopics.source(ofDeadLetter: topic) != nil else {
            throw DeadLetterToolError(
                .notADeadLetterTopic, "'\(topic)' is not a dead-letter topic (DLT names end in .DLT)")
        }
        do {
            return try await TopicSnapshot.records(topic, kafka: kafka, logger: logger).map(DeadLetterEntry.init)
                .sorted { ($0.record.partition, $0.record.offset) < ($1.record.partition, $1.record.offset) }
        } catch let error as KafkaError where error.code == .unknownTopicOrPartition {
            throw DeadLetterToolError(.unknownTopic, "topic '\(topic)' does not exist")
        }
    }

    /// The record at `partition`/`offset` of a DLT.
    public func entry(of topic: String, partition: Int32, offset: Int64) async throws -> DeadLetterEntry {
        let entries = try await entries(of: topic)
        guard let entry = entries.first(where: { $0.record.partition == partition && $0.record.offset == offset })
        else {
            throw DeadLetterToolError(
                .noSuchRecord,
                "no record at partition \(partition), offset \(offset) of \(topic)"
                    + Self.held(by: entries, partition: partition))
        }
        return entry
    }

    /// One record as a document: its value decoded — Avro (Confluent framing) with the writer's
    /// schema, JSON as JSON, other text as a string, anything else as a `base64:…` string.
    public func show(_ entry: DeadLetterEntry) async -> DeadLetterDocument {
        DeadLetterDocument(entry, value: await decoded(entry.record.value))
    }

    private func decoded(_ value: [UInt8]?) async -> JSONValue {
        guard let value else { return .null }
        if value.first == ConfluentWireFormat.magicByte, let framed = try? ConfluentWireFormat.parse(value),
            let schema = try? await registry.schema(id: framed.schemaID),
            let decoded = try? schema.decode(framed.payload)
        {
            return JSONValue(decoded)
        }
        if let json = try? JSONValue.parse(value) { return json }
        return DeadLetterDocument.text(value).map(JSONValue.string) ?? .null
    }

    public func replay(
        topic: String, selection: ReplaySelection,
        progress: @escaping (Int, Int) -> Void
    ) async throws -> DeadLetterReplay.Outcome {
        let entries = try await entries(of: topic)
        if case .range(let partition, let from, let to) = selection {
            let offsets = entries.filter { $0.record.partition == partition }.map(\.record.offset)
            guard from <= to, let low = offsets.min(), let high = offsets.max(), from >= low, to <= high else {
                throw DeadLetterToolError(
                    .offsetsOutOfRange,
                    "offsets \(from)...\(to) are not within partition \(partition) of \(topic)"
                        + Self.held(by: entries, partition: partition))
            }
        }
        return try await DeadLetterReplay(kafka: kafka, maxRecordBytes: maxRecordBytes, logger: logger)
            .run(topic: topic, entries: entries, selection: selection, progress: progress)
    }

    /// " (it holds a...b)" or " (it holds no records)", of one partition.
    private static func held(by entries: [DeadLetterEntry], partition: Int32) -> String {
        let offsets = entries.filter { $0.record.partition == partition }.map(\.record.offset)
        guard let low = offsets.min(), let high = offsets.max() else { return " (the partition holds no records)" }
        return " (the partition holds offsets \(low)...\(high))"
    }
}
