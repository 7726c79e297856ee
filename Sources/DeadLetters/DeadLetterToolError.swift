/// Why a `dlt` command cannot do what it was asked, with a message for the operator.
public struct DeadLetterToolError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The configuration names the in-process broker, which lives only inside `run`.
        case embeddedBroker
        /// The topic's name is not a DLT's (`<topic>.DLT`).
        case notADeadLetterTopic
        case unknownTopic
        /// No record at the partition and offset asked for.
        case noSuchRecord
        /// A replay's offset range is not within the partition.
        case offsetsOutOfRange
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
