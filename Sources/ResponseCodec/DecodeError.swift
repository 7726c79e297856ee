/// A response record that cannot be turned back into a `PaymentResponse` (the webhook sink
/// dead-letters it `decode_error`).
public struct DecodeError: Error, CustomStringConvertible {
    public let description: String
    /// The record may well be fine: the registry holding its writer's schema did not answer.
    /// Trying again later is right; dead-lettering it is not.
    public let isTransient: Bool
    init(_ description: String, transient: Bool = false) {
        self.description = description
        isTransient = transient
    }
}
