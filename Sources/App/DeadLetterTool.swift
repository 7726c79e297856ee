import Avro
import Config
import DeadLetters
import Foundation
import Kafka
import Logging
import Payments

/// What the `dlt` commands do, apart from parsing arguments: read a DLT, render its records,
/// replay a selection. Errors are `DeadLetterToolError`s with a message for the operator.
public struct DeadLetterTool: Sendable {
    public let kafka: KafkaConfiguration
    /// The service's record limit (from `bridge.maxEventBytes`): replays write what it wrote.
    private let maxRecordBytes: Int
    private let registry: SchemaRegistry
    private let logger: Logger

    public init(configuration: BridgeConfiguration, schemaDirectory: String, logger: Logger) throws {
        guard !configuration.kafka.isEmbedded else {
            throw DeadLetterToolError("kafka.bootstrapServers is \"embedded\": the in-process broker lives only inside "
                                      + "`run`; point the configuration (or KAFKA_BOOTSTRAP_SERVERS) at the cluster")
        }
        kafka = KafkaConfiguration(bootstrapServers: configuration.kafka.bootstrapServers, clientID: "payments-bridge-dlt",
                                   properties: configuration.kafka.properties.mapValues(\.value).merging(["log_level": "3"]) { a, _ in a })
        self.logger = logger
        maxRecordBytes = configuration.bridge.maxRecordBytes
        if let url = configuration.schemaRegistry.url {
            registry = SchemaRegistryClient(configuration: .init(url: url.value), logger: logger)
        } else {
            // The embedded registry's ids derive from the schema text: every version known here resolves.
            let embedded = EmbeddedSchemaRegistry()
            if let directory = try? SchemaDirectory(path: schemaDirectory) {
                for versions in directory.schemas.values {
                    for version in versions { _ = try? embedded.register(try AvroSchema(json: version.text)) }
                }
            }
            registry = embedded
        }
    }

    /// The records of a DLT topic, oldest first per partition.
    public func entries(of topic: String) async throws -> [DeadLetterEntry] {
        guard PaymentTopics.source(ofDeadLetter: topic) != nil else {
            throw DeadLetterToolError("'\(topic)' is not a dead-letter topic (DLT names end in .DLT)")
        }
        do {
            return try await TopicSnapshot.records(topic, kafka: kafka, logger: logger).map(DeadLetterEntry.init)
                .sorted { ($0.record.partition, $0.record.offset) < ($1.record.partition, $1.record.offset) }
        } catch let error as KafkaError where error.code == .unknownTopicOrPartition {
            throw DeadLetterToolError("topic '\(topic)' does not exist")
        }
    }

    public static func table(_ entries: [DeadLetterEntry], now: Date = Date()) -> String {
        var rows = [["PARTITION", "OFFSET", "KEY", "REASON", "HTTP", "ATTEMPTS", "AGE"]]
        for entry in entries {
            rows.append([String(entry.record.partition), String(entry.record.offset), entry.key ?? "-",
                         entry.reason ?? "-", entry.httpStatus.map(String.init) ?? "-",
                         entry.attempts.map(String.init) ?? "-", DeadLetterEntry.age(from: entry.lastAttempt, now: now)])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// One JSON line per record: coordinates, key, reason, status, attempts, times, error.
    public static func jsonLine(_ entry: DeadLetterEntry) -> String {
        var fields = ["\"partition\":\(entry.record.partition)", "\"offset\":\(entry.record.offset)"]
        fields.append("\"key\":" + (entry.key.map(JSONText.string) ?? "null"))
        for (name, header) in [("reason", DeadLetterHeader.reason), ("error", DeadLetterHeader.error),
                               ("originalTopic", DeadLetterHeader.originalTopic),
                               ("firstAttempt", DeadLetterHeader.firstAttempt), ("lastAttempt", DeadLetterHeader.lastAttempt)] {
            fields.append("\"\(name)\":" + (entry.header(header).map(JSONText.string) ?? "null"))
        }
        fields.append("\"httpStatus\":" + (entry.httpStatus.map(String.init) ?? "null"))
        fields.append("\"attempts\":" + (entry.attempts.map(String.init) ?? "null"))
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// One record as a JSON document: coordinates, key, every header, and the value decoded —
    /// Avro (Confluent framing) with the writer's schema, JSON as JSON, other text as a
    /// string, anything else as base64.
    public func show(_ entry: DeadLetterEntry) async -> String {
        let record = entry.record
        var lines = ["{",
                     "  \"topic\": \(JSONText.string(record.topic)),",
                     "  \"partition\": \(record.partition),",
                     "  \"offset\": \(record.offset),",
                     "  \"timestamp\": \(record.timestamp.map { JSONText.string(DeadLetter.iso8601(milliseconds: $0)) } ?? "null"),",
                     "  \"key\": \(entry.key.map(JSONText.string) ?? "null"),",
                     "  \"headers\": ["]
        let headers = record.headers.map { header in
            "    [\(JSONText.string(header.name)), \(Self.json(header.value))]"
        }
        lines.append(headers.joined(separator: ",\n"))
        lines.append("  ],")
        lines.append("  \"value\": \(await render(record.value))")
        lines.append("}")
        return lines.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    private func render(_ value: [UInt8]?) async -> String {
        if let value, value.first == ConfluentWireFormat.magicByte, let framed = try? ConfluentWireFormat.parse(value),
           let schema = try? await registry.schema(id: framed.schemaID), let decoded = try? schema.decode(framed.payload) {
            return decoded.json
        }
        if let value, let text = String(validating: value, as: UTF8.self),
           (try? JSONSerialization.jsonObject(with: Data(value), options: [.fragmentsAllowed])) != nil {
            return text
        }
        return Self.json(value)
    }

    /// Bytes as a JSON value: null, the text when it is UTF-8, else `"base64:…"`.
    private static func json(_ bytes: [UInt8]?) -> String {
        guard let bytes else { return "null" }
        if let text = String(validating: bytes, as: UTF8.self) { return JSONText.string(text) }
        return JSONText.string("base64:" + Data(bytes).base64EncodedString())
    }

    public func replay(topic: String, selection: ReplaySelection, progress: @escaping (Int, Int) -> Void) async throws -> DeadLetterReplay.Outcome {
        let entries = try await entries(of: topic)
        if case .range(let partition, let from, let to) = selection {
            let offsets = entries.filter { $0.record.partition == partition }.map(\.record.offset)
            guard from <= to, let low = offsets.min(), let high = offsets.max(), from >= low, to <= high else {
                throw DeadLetterToolError("offsets \(from)...\(to) are not within partition \(partition) of \(topic)"
                                          + (offsets.isEmpty ? " (it holds no records)" : " (it holds \(offsets.min()!)...\(offsets.max()!))"))
            }
        }
        return try await DeadLetterReplay(kafka: kafka, maxRecordBytes: maxRecordBytes, logger: logger).run(topic: topic, entries: entries, selection: selection,
                                                                            progress: progress)
    }
}

public struct DeadLetterToolError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
