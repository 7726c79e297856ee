/// A webhook secret that is not `whsec_` followed by base64. The value is never shown.
public struct WebhookSecretError: Error, CustomStringConvertible {
    public var description: String { "webhook secret must be whsec_ followed by base64 (value not shown)" }
}
