import Synchronization

/// Where schema ids come from: a Confluent-compatible registry or the embedded one.
public protocol SchemaRegistry: Sendable {
    /// The id of `schema` under `subject` (`<topic>-value`), registering it when needed.
    func id(of schema: AvroSchema, subject: String) async throws -> Int32
    /// The schema with `id` (the writer's schema of a framed record).
    func schema(id: Int32) async throws -> AvroSchema
}
