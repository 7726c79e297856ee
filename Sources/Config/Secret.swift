import Foundation

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

extension Secret {
    /// Whether `text` is a webhook signing secret: `whsec_` followed by base64 of at least one byte.
    public static func isWebhookSecret(_ text: String) -> Bool {
        guard text.hasPrefix("whsec_"), let key = Data(base64Encoded: String(text.dropFirst(6))) else { return false }
        return !key.isEmpty
    }

    /// What is wrong with a value that is not a webhook secret (the value is never repeated).
    public static let webhookSecretProblem = "expected whsec_ followed by base64 (value not shown)"

    /// A new webhook signing secret: `whsec_` and the base64 of 32 random bytes.
    public static func newWebhookSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}
