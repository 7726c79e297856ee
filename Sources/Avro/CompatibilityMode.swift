/// Avro schema-resolution rules applied to pairs of schema versions.
///
/// - backward: the new schema can read data written with the old one (Confluent BACKWARD).
/// - forward: the old schema can read data written with the new one.
/// - full: both. Removing a field without a default passes `backward` but breaks partners whose
///   readers still use the old schema, so `full` is what `schema check` uses by default.
public enum CompatibilityMode: String, Sendable, CaseIterable {
    case backward, forward, full
}
