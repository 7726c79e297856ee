/// A tenant as the admin API shows it: its settings without any secret (only how many webhook
/// secrets are active, and until when the ones a rotation replaced still sign), its operational
/// state, and where it is managed.
public struct TenantView: Codable, Sendable, Equatable {
    public struct Webhook: Codable, Sendable, Equatable {
        /// A secret a rotation replaced, still signing until `until` (ISO-8601); never its value.
        public struct RetiringSecret: Codable, Sendable, Equatable {
            public var until: String

            public init(until: String) { self.until = until }
        }

        /// Without user information, query or fragment.
        public var url: String
        /// How many secrets the tenant has (besides the retiring ones); the secrets are never shown.
        public var secretCount: Int
        /// The secrets a rotation replaced that still sign, soonest first.
        public var retiringSecrets: [RetiringSecret]
        public var eventTypes: [String]?
        public var maxInFlight: Int
        public var ratePerSecond: Double
        public var allowPrivateNetwork: Bool
        public var allowInsecureHttp: Bool
        /// The names of the static headers (their values are secrets).
        public var headerNames: [String]?
        /// The endpoint's TLS settings (file paths, or what the certificates given as PEM text are;
        /// the client key and its passphrase are never shown).
        public var tls: TLS?
        /// The OAuth2 client (the client secret is never shown).
        public var oauth2: OAuth2?

        public struct TLS: Codable, Sendable, Equatable {
            /// A certificate given as PEM text: who it names, when it expires, its SHA-256.
            public struct Certificate: Codable, Sendable, Equatable {
                /// e.g. `CN=payments-bridge,O=Bank`.
                public var subject: String
                /// ISO-8601.
                public var notAfter: String
                /// Of its DER bytes, in hex.
                public var sha256: String

                public init(subject: String, notAfter: String, sha256: String) {
                    self.subject = subject
                    self.notAfter = notAfter
                    self.sha256 = sha256
                }
            }

            public var caBundle: String?
            public var caMode: String
            public var clientCertificate: String?
            public var clientKey: String?
            public var minimumVersion: String
            /// The certificates of `caBundlePem`.
            public var caBundleCertificates: [Certificate]?
            /// The certificates of `clientCertificatePem`: the client certificate, then any intermediates.
            public var clientCertificateChain: [Certificate]?

            public init(
                caBundle: String?, caMode: String, clientCertificate: String?, clientKey: String?,
                minimumVersion: String
            ) {
                self.caBundle = caBundle
                self.caMode = caMode
                self.clientCertificate = clientCertificate
                self.clientKey = clientKey
                self.minimumVersion = minimumVersion
            }
        }

        public struct OAuth2: Codable, Sendable, Equatable {
            public var tokenUrl: String
            public var clientId: String
            public var scope: String?
            public var audience: String?

            public init(tokenUrl: String, clientId: String, scope: String?, audience: String?) {
                self.tokenUrl = tokenUrl
                self.clientId = clientId
                self.scope = scope
                self.audience = audience
            }
        }

        public init(
            url: String, secretCount: Int, retiringSecrets: [RetiringSecret] = [], eventTypes: [String]?,
            maxInFlight: Int, ratePerSecond: Double, allowPrivateNetwork: Bool, allowInsecureHttp: Bool,
            headerNames: [String]? = nil
        ) {
            self.url = url
            self.secretCount = secretCount
            self.retiringSecrets = retiringSecrets
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
    /// Records wait in Kafka until `resume`.
    public var paused: Bool
    /// Why delivery is off (the endpoint answered 410, or was blocked), until `enable`.
    public var disabledReason: String?
    /// When delivery was last re-enabled (ISO-8601).
    public var enabledAt: String?
    /// When the tenant's pending retries were last made due at once (ISO-8601).
    public var retryNowAt: String?
    /// How many keys may read the tenant's payments from the status API (their hashes are not shown).
    public var statusApiKeys: Int?

    public init(
        id: String, channel: String, delivery: String, webhook: Webhook?, managedBy: String, paused: Bool = false,
        disabledReason: String? = nil, enabledAt: String? = nil, retryNowAt: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.delivery = delivery
        self.webhook = webhook
        self.managedBy = managedBy
        self.paused = paused
        self.disabledReason = disabledReason
        self.enabledAt = enabledAt
        self.retryNowAt = retryNowAt
    }
}
