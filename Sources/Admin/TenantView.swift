/// A tenant as the admin API shows it: its settings without any secret (only how many webhook
/// secrets are active), and where it is managed.
public struct TenantView: Codable, Sendable, Equatable {
    public struct Webhook: Codable, Sendable, Equatable {
        /// Without user information, query or fragment.
        public var url: String
        /// How many secrets sign (several during a rotation); the secrets are never shown.
        public var secretCount: Int
        public var eventTypes: [String]?
        public var maxInFlight: Int
        public var ratePerSecond: Double
        public var allowPrivateNetwork: Bool
        public var allowInsecureHttp: Bool
        /// The names of the static headers (their values are secrets).
        public var headerNames: [String]?

        public init(
            url: String, secretCount: Int, eventTypes: [String]?, maxInFlight: Int, ratePerSecond: Double,
            allowPrivateNetwork: Bool, allowInsecureHttp: Bool, headerNames: [String]? = nil
        ) {
            self.url = url
            self.secretCount = secretCount
            self.eventTypes = eventTypes
            self.maxInFlight = maxInFlight
            self.ratePerSecond = ratePerSecond
            self.allowPrivateNetwork = allowPrivateNetwork
            self.allowInsecureHttp = allowInsecureHttp
            self.headerNames = headerNames
        }
    }

    public var id: String
    public var channel: String
    public var delivery: String
    public var webhook: Webhook?
    /// `configuration`: listed in the YAML file, read-only through the API.
    public var managedBy: String

    public init(id: String, channel: String, delivery: String, webhook: Webhook?, managedBy: String) {
        self.id = id
        self.channel = channel
        self.delivery = delivery
        self.webhook = webhook
        self.managedBy = managedBy
    }
}
