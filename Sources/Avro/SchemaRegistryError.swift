public struct SchemaRegistryError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        case unreachable, rejected
        case notFound = "not_found"
        case invalidResponse = "invalid_response"
    }
    public let kind: Kind
    public let message: String
    /// The registry's HTTP status, when it answered.
    public let status: Int?

    public var description: String { "schema registry \(kind.rawValue): \(message)" }

    public init(kind: Kind, message: String, status: Int?) {
        self.kind = kind
        self.message = message
        self.status = status
    }

    static func notFound(_ what: String) -> SchemaRegistryError {
        SchemaRegistryError(kind: .notFound, message: "\(what) not found", status: 404)
    }
}
