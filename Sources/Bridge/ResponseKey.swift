/// A partner topic by its parts: the channel's topic fragment and the tenant.
struct ResponseKey: Hashable, Sendable {
    var channel: String
    var tenant: String
}
