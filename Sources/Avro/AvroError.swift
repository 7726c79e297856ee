/// An Avro encoding, decoding or schema error.
public struct AvroError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        case invalidSchema = "invalid_schema"
        case encode, decode
        case wireFormat = "wire_format"
    }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "Avro \(kind.rawValue) error: \(message)" }
}
