import Payments

/// The service configuration (`config/bridge.yaml`). Key names follow the contract.
public struct BridgeConfiguration: Sendable, Equatable {
    public var kafka = Kafka()
    public var schemaRegistry = SchemaRegistry()
    public var admin = Admin()
    public var bridge = Bridge()
    public var sink = Sink()
    public var tenants: [Tenant] = []
    public var controlPlane = ControlPlane()
    public var state = State()
    public var history = History()
    public var partnerAPI = PartnerAPI()

    public init() {}

    public struct Kafka: Sendable, Equatable {
        /// "embedded" for the in-process broker, or "host:port,…".
        public var bootstrapServers = "embedded"
        /// Raw librdkafka properties; values of secret-looking keys are redacted when printed.
        public var properties: [String: Secret] = [:]
        public var isEmbedded: Bool { bootstrapServers == "embedded" }
    }

    public struct SchemaRegistry: Sendable, Equatable {
        /// A Confluent-compatible registry; `nil` serves ids from the embedded registry.
        public var url: Secret?
    }

    public struct Admin: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port = 8088
        public var listen: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
        /// Who may call the admin API (`/admin/…`): each caller's name (written to the audit
        /// trail) and bearer token. None: the admin API is off.
        public var tokens: [AdminToken] = []
    }

    /// Tenants managed at runtime through the admin API, kept in a compacted Kafka topic.
    public struct ControlPlane: Sendable, Equatable {
        public var enabled = false
        public var topic = "payments-bridge.tenants"
        /// Every change made through the admin API, kept a year.
        public var auditTopic = "payments-bridge.audit"
        /// Base64 32-byte keys sealing webhook secrets in the topic; the first seals, all open.
        public var stateKeys: [Secret] = []
    }

    /// A caller of the admin API.
    public struct AdminToken: Sendable, Equatable {
        public var name: String
        public var token: Secret

        public init(name: String, token: Secret) {
            self.name = name
            self.token = token
        }
    }

    public struct Bridge: Sendable, Equatable {
        public var enabled = true
        public var inputTopic = "payments.events"
        public var consumerGroup = "payments-bridge"
        public var transactionalID = "payments-bridge-1"
        public var allowUnknownTenants = false
        public var maxEventBytes = 1_048_576
        /// The version of `PaymentResponse` the bridge writes. On 1 (v1, without the compliance
        /// hold) compliance events are dead-lettered `unsupported_by_schema`, until partners read v2.
        public var schemaVersion = 2
        public static let schemaVersions = 1...2
        /// Internal-only event types that are skipped (counted by name); any other unknown
        /// `…Event` type is dead-lettered `invalid_event`.
        public var skipEventTypes: [String] = PaymentEventType.knownInternalOnly.sorted()
        public var topics = Topics()
        public var transactions = Transactions()

        /// Room for headers on top of an event's bytes: a record the service writes (a response,
        /// a dead-letter copy with its `dlt.*` headers, a retry-log entry) may be this much larger
        /// than the event it came from.
        public static let recordHeaderRoom = 65_536
        /// The largest record the service writes: the producers' `message.max.bytes`, and (with
        /// the record batch's framing) the `max.message.bytes` of the topics it creates.
        public var maxRecordBytes: Int { maxEventBytes + Self.recordHeaderRoom }
    }

    /// When the bridge commits: after `maxRecords` input records or `maxInterval`, whichever is first.
    public struct Transactions: Sendable, Equatable {
        public var maxRecords = 5000
        public var maxInterval: Duration = .milliseconds(25)
    }

    public struct Topics: Sendable, Equatable {
        public var partitions: [PaymentChannel: Int] = [
            .web: 10, .mobile: 10, .partner: 5, .corporate: 3, .branch: 5, .atm: 5, .ussd: 5,
        ]
        public var replicationFactor = 3
        public var retentionDays = 7
        public var dltRetentionDays = 30
    }

    public struct Sink: Sendable, Equatable {
        public var enabled = true
        public var consumerGroup = "payments-webhook-sink"
        public var requestTimeout: Duration = .seconds(30)
        /// Limit on establishing a connection (part of `requestTimeout`'s budget for the first request).
        public var connectTimeout: Duration = .seconds(5)
        public var retry = Retry()
        /// Records waiting in memory for their next attempt, per tenant and in all, before the
        /// tenant's partitions are paused.
        public var maxPendingPerTenant = 10_000
        public var maxPending = 50_000
    }

    public struct Retry: Sendable, Equatable {
        /// Delays between attempts (jitter is added).
        public var schedule: [Duration] = [
            .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800),
            .seconds(3600), .seconds(7200), .seconds(14_400), .seconds(28_800), .seconds(28_800),
        ]
        /// Cap on a partner's Retry-After.
        public var maxRetryAfter: Duration = .seconds(3600)
        /// Retries go on at the last delay until at least this long after the first attempt.
        public var minimumWindow: Duration = .seconds(86_400)
        /// Each delay is lengthened by a random fraction up to this.
        public var jitter = 0.1
    }

    public struct Tenant: Sendable, Equatable {
        public var id: String
        public var channel: PaymentChannel
        public var delivery: Delivery
        public var webhook: Webhook?
        /// `statusApi.keys`: the SHA-256 hashes (lowercase hex) of the keys that may read this
        /// tenant's payments from the partner status API.
        public var statusAPIKeys: [String] = []

        public init(id: String, channel: PaymentChannel, delivery: Delivery, webhook: Webhook? = nil) {
            self.id = id
            self.channel = channel
            self.delivery = delivery
            self.webhook = webhook
        }
    }

    public enum Delivery: String, Sendable, CaseIterable { case kafka, webhook }

    /// `tenants[].webhook.oauth2`: the client-credentials grant (RFC 6749 §4.4).
    public struct OAuth2: Sendable, Equatable {
        public var tokenURL: String
        public var clientID: String
        public var clientSecret: Secret
        public var scope: String?
        public var audience: String?
        /// The token URL as it may be shown: without user information, query or fragment.
        public var shownTokenURL: String { URLText.redacted(tokenURL) }

        public init(tokenURL: String, clientID: String, clientSecret: Secret) {
            self.tokenURL = tokenURL
            self.clientID = clientID
            self.clientSecret = clientSecret
        }
    }

    /// `tenants[].webhook.tls`: PEM files read at start-up and on SIGHUP, or the same material as
    /// PEM text (`…Pem`: what the admin API takes, since a path means nothing to other instances).
    public struct TLS: Sendable, Equatable {
        public enum CAMode: String, Sendable, CaseIterable { case add, only }
        /// Certificates to trust: as well as the system store (`add`) or instead of it (`only`).
        public var caBundle: String?
        public var caBundlePEM: String?
        public var caMode = CAMode.add
        /// The certificate (then any intermediates) presented to the endpoint, and its key.
        public var clientCertificate: String?
        public var clientKey: String?
        public var clientCertificatePEM: String?
        /// The key as PEM text: a secret (sealed in the tenants topic, never shown).
        public var clientKeyPEM: Secret?
        /// Opens an encrypted `clientKey` or `clientKeyPEM` (from the environment, or given to the API).
        public var clientKeyPassphrase: Secret?
        /// `1.2` or `1.3`.
        public var minimumVersion = "1.2"

        public init() {}
    }

    public struct Webhook: Sendable, Equatable {
        public var url: String
        /// `whsec_<base64>` secrets; several are active during a rotation.
        public var secrets: [Secret]
        /// Only these event types are delivered; `nil` delivers all.
        public var eventTypes: [String]?
        public var maxInFlight = 16
        public var ratePerSecond: Double = 100
        public var allowPrivateNetwork = false
        public var allowInsecureHttp = false
        /// Static headers sent with every request (e.g. `Authorization: Bearer …` a partner's
        /// gateway wants), by name; the values are secrets.
        public var headers: [String: Secret] = [:]
        /// A private CA, a client certificate (mutual TLS), the oldest TLS version; nil: defaults.
        public var tls: TLS?
        /// Bearer tokens from the partner's OAuth2 token endpoint (client credentials); nil: none.
        public var oauth2: OAuth2?
        /// The URL as it may be shown (API answers, messages): without user information, query or
        /// fragment, which may hold credentials.
        public var shownURL: String { URLText.redacted(url) }

        public init(
            url: String, secrets: [Secret], eventTypes: [String]? = nil, maxInFlight: Int = 16,
            ratePerSecond: Double = 100, allowPrivateNetwork: Bool = false, allowInsecureHttp: Bool = false
        ) {
            self.url = url
            self.secrets = secrets
            self.eventTypes = eventTypes
            self.maxInFlight = maxInFlight
            self.ratePerSecond = ratePerSecond
            self.allowPrivateNetwork = allowPrivateNetwork
            self.allowInsecureHttp = allowInsecureHttp
        }
    }

    /// `state`: where the service keeps files of its own (the payment history's database).
    public struct State: Sendable, Equatable {
        public var directory = "./state"
    }

    /// `history`: the payment history (a view of the response topics, their DLTs and the sink's
    /// attempt log), which the status API and the trace read.
    public struct History: Sendable, Equatable {
        /// Off unless asked for, or the partner status API is on: every instance that keeps it
        /// reads all response topics, their DLTs and the attempt log.
        public var enabled = false
        /// The database file, under `state.directory`.
        public static let fileName = "history.sqlite"
    }

    /// `partnerApi`: the partners' status API, on a listener of its own; off unless `listen` is set.
    public struct PartnerAPI: Sendable, Equatable {
        public var host: String?
        public var port = 0
        /// Requests per second per key (the sustained rate), and the burst above it.
        public var ratePerSecond: Double = 20
        public var burst = 40
        public var isEnabled: Bool { host != nil }
        public var listen: String? { host.map { $0.contains(":") ? "[\($0)]:\(port)" : "\($0):\(port)" } }
    }
}
