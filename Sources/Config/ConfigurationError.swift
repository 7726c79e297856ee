/// A configuration problem, naming the key (`tenants[1].webhook.url`) and what is wrong with it.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public let key: String
    public let problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String {
        key.isEmpty ? "configuration: \(problem)" : "configuration key '\(key)': \(problem)"
    }
}
