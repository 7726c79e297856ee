/// A value that must never be printed: its description is redacted.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String
    /// Whether to hide the value when printed (kafka properties hold secrets and plain values).
    public let isSensitive: Bool

    public init(_ value: String, sensitive: Bool = true) {
        self.value = value
        self.isSensitive = sensitive
    }

    public var description: String { isSensitive ? "<redacted>" : value }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["value": description]) }
}
