/// Which DLT records a replay takes.
public enum ReplaySelection: Sendable, Equatable {
    case all
    case key(String)
    case reason(String)
    /// Offsets `from...to` of one partition.
    case range(partition: Int32, from: Int64, to: Int64)
    /// Dead-lettered from `since` until before `until` (the DLT record's time, milliseconds since the epoch).
    case window(since: Int64, until: Int64)

    public func matches(_ entry: DeadLetterEntry) -> Bool {
        switch self {
        case .all: true
        case .key(let key): entry.key == key
        case .reason(let reason): entry.reason == reason
        case .range(let partition, let from, let to):
            entry.record.partition == partition && (from...to).contains(entry.record.offset)
        case .window(let since, let until):
            entry.record.timestamp.map { $0 >= since && $0 < until } ?? false
        }
    }
}
