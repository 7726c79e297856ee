import Synchronization

/// The embedded read-only registry: ids derive from schema content (`AvroSchema.embeddedID`),
/// so every instance and restart agrees without any shared store. The admin HTTP port serves
/// what it knows to stock deserializers.
public final class EmbeddedSchemaRegistry: SchemaRegistry {
    public struct Subject: Sendable, Equatable {
        public var name: String
        /// Versions in registration order: 1-based version = index + 1.
        public var schemaIDs: [Int32]
    }

    private struct State {
        var schemas: [Int32: AvroSchema] = [:]
        var subjects: [String: [Int32]] = [:]
        /// Versions of one schema, oldest first (`setHistory`).
        var history: [Int32] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Makes `schema` known (and, with a subject, a version of that subject). Fails if a different
    /// schema already has the same id (a 31-bit collision), rather than serve the wrong one.
    @discardableResult
    public func register(_ schema: AvroSchema, subject: String? = nil) throws(AvroError) -> Int32 {
        let id = schema.embeddedID
        let result: Result<Int32, AvroError> = state.withLock { state in
            if let known = state.schemas[id], known.text != schema.text,
                (try? SchemaFingerprint.normalizedJSON(known.text))
                    != (try? SchemaFingerprint.normalizedJSON(schema.text))
            {
                return .failure(AvroError(.invalidSchema, "schema id \(id) collides with another schema"))
            }
            state.schemas[id] = state.schemas[id] ?? schema
            if let subject, state.subjects[subject]?.last != id {
                if state.subjects[subject] == nil, let position = state.history.firstIndex(of: id) {
                    // A new subject starts with the versions before this one, as a registry
                    // that saw every earlier rollout would list them.
                    state.subjects[subject] = Array(state.history[..<position])
                }
                state.subjects[subject, default: []].append(id)
            }
            return .success(id)
        }
        return try result.get()
    }

    /// The versions of a schema, oldest first (`schemas/history/…` then the current one): each is
    /// made known, and a subject first registered with one of them lists the earlier ones as its
    /// versions 1, 2, … before it.
    public func setHistory(_ versions: [AvroSchema]) throws(AvroError) {
        var ids: [Int32] = []
        for version in versions { ids.append(try register(version)) }
        state.withLock { $0.history = ids }
    }

    public func id(of schema: AvroSchema, subject: String) async throws -> Int32 {
        try register(schema, subject: subject)
    }

    public func schema(id: Int32) async throws -> AvroSchema {
        guard let schema = state.withLock({ $0.schemas[id] }) else {
            throw SchemaRegistryError.notFound("schema \(id)")
        }
        return schema
    }

    public func lookup(id: Int32) -> AvroSchema? { state.withLock { $0.schemas[id] } }

    public var subjects: [String] { state.withLock { $0.subjects.keys.sorted() } }

    /// (version, id, schema) of a subject's version (1-based), or the latest for `nil`.
    public func version(_ version: Int?, of subject: String) -> (version: Int, id: Int32, schema: AvroSchema)? {
        state.withLock { state in
            guard let ids = state.subjects[subject], !ids.isEmpty else { return nil }
            let number = version ?? ids.count
            guard number >= 1, number <= ids.count, let schema = state.schemas[ids[number - 1]] else { return nil }
            return (number, ids[number - 1], schema)
        }
    }

    public func versions(of subject: String) -> [Int] {
        state.withLock { state in state.subjects[subject].map { Array(1...$0.count) } ?? [] }
    }
}
