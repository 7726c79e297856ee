/// A response record that cannot be turned back into a `PaymentResponse` (the webhook sink
/// dead-letters it `decode_error`), or cannot be now (`registryUnreachable`: it waits).
public struct DecodeError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// No value, or not in the Confluent wire format.
        case notFramed
        /// The registry does not know the writer's schema id.
        case unknownSchema
        /// The registry holding the writer's schema did not answer: the record may well be fine.
        case registryUnreachable
        /// The value does not decode with its writer's schema.
        case undecodable
        /// Decoded, but not a PaymentResponse (a field missing, of another type, an unknown symbol).
        case notAResponse
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Trying again later is right; dead-lettering the record is not.
    public var isTransient: Bool { code == .registryUnreachable }
}
