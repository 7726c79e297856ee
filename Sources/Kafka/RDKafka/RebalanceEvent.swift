/// A partition assignment change reported by the group coordinator.
public enum RebalanceEvent: Sendable, Equatable {
    /// Partitions added to this member (after they are assigned).
    case assigned([TopicPartition])
    /// Partitions taken away (before they are unassigned): the last chance to commit their work.
    case revoked([TopicPartition])
    /// Partitions lost without a clean hand-over (e.g. session timeout): their work must not be committed.
    case lost([TopicPartition])
}
