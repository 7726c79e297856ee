import Foundation
import Payments
import Yams

extension BridgeConfiguration {
    /// Reads a YAML file. `KAFKA_BOOTSTRAP_SERVERS` and `SCHEMA_REGISTRY_URL` override the file.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigurationError) -> BridgeConfiguration
    {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigurationError(key: "", problem: "cannot read configuration file \(path)")
        }
        return try parse(yaml: text, environment: environment)
    }

    public static func parse(yaml: String, environment: [String: String] = [:]) throws(ConfigurationError)
        -> BridgeConfiguration
    {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigurationError(key: "", problem: "malformed YAML: \(error)")
        }
        let reader = ConfigReader(node: root, path: "", environment: environment)
        try reader.rejectUnknownKeys([
            "kafka", "schemaRegistry", "admin", "bridge", "sink", "tenants", "controlPlane", "state", "history",
            "partnerApi",
        ])
        var config = BridgeConfiguration()
        try config.readKafka(reader["kafka"], environment: environment)
        try config.readRegistry(reader["schemaRegistry"], environment: environment)
        try config.readAdmin(reader["admin"])
        try config.readBridge(reader["bridge"])
        try config.readSink(reader["sink"])
        try config.readTenants(reader["tenants"])
        try config.readControlPlane(reader["controlPlane"])
        try config.readHistory(reader)
        try config.checkRecordLimit(reader)
        return config
    }

    private mutating func readKafka(_ r: ConfigReader, environment: [String: String]) throws(ConfigurationError) {
        try r.rejectUnknownKeys(["bootstrapServers", "properties"])
        let fileServers = try r["bootstrapServers"].string(default: kafka.bootstrapServers)
        let servers = environment["KAFKA_BOOTSTRAP_SERVERS"].flatMap { $0.isEmpty ? nil : $0 } ?? fileServers
        let key =
            environment["KAFKA_BOOTSTRAP_SERVERS"]?.isEmpty == false
            ? "KAFKA_BOOTSTRAP_SERVERS" : r["bootstrapServers"].path
        if servers != "embedded" {
            let entries = servers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !entries.isEmpty else {
                throw ConfigurationError(key: key, problem: "must be \"embedded\" or host:port,…")
            }
            for entry in entries {
                guard let colon = entry.lastIndex(of: ":"), let port = Int(entry[entry.index(after: colon)...]),
                    (1...65535).contains(port), colon != entry.startIndex
                else {
                    throw ConfigurationError(key: key, problem: "'\(entry)' is not host:port")
                }
            }
        }
        kafka.bootstrapServers = servers
        kafka.properties = try r["properties"].stringMap().reduce(into: [:]) { result, entry in
            result[entry.key] = Secret(entry.value, sensitive: Self.isSensitiveProperty(entry.key))
        }
    }

    /// The producers' `message.max.bytes` follows `bridge.maxEventBytes` (plus header room); a
    /// value set in `kafka.properties` may raise it, never lower it below what the bridge accepts.
    private func checkRecordLimit(_ root: ConfigReader) throws(ConfigurationError) {
        guard let raw = kafka.properties["message.max.bytes"]?.value else { return }
        let key = root["kafka"]["properties"]["message.max.bytes"]
        guard let set = Int(raw) else { throw key.error("expected a whole number of bytes, got '\(raw)'") }
        guard set >= bridge.maxRecordBytes else {
            throw key.error(
                "\(set) is below bridge.maxEventBytes (\(bridge.maxEventBytes)) plus \(Bridge.recordHeaderRoom) bytes "
                    + "of header room (\(bridge.maxRecordBytes)): the dead-letter copy of an event the bridge accepts would not fit"
            )
        }
    }

    static func isSensitiveProperty(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "secret", "key", "token", "jaas", "credentials"].contains { lowered.contains($0) }
            && !lowered.hasSuffix(".location") && !lowered.hasSuffix("algorithm")
    }

    private mutating func readRegistry(_ r: ConfigReader, environment: [String: String]) throws(ConfigurationError) {
        try r.rejectUnknownKeys(["url"])
        let fromEnvironment = environment["SCHEMA_REGISTRY_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let fileURL = try r["url"].string()
        guard let url = fromEnvironment ?? fileURL else { return }
        // Checked as the registry client will read it: credentials (before the last `@`) taken
        // out by the client alone, which sends them as Basic authentication.
        guard let parsed = URL(string: URLText.withoutUserInfo(url)), ["http", "https"].contains(parsed.scheme ?? ""),
            parsed.host?.isEmpty == false
        else {
            throw ConfigurationError(
                key: fromEnvironment != nil ? "SCHEMA_REGISTRY_URL" : r["url"].path,
                problem: "expected an http(s) URL, got '\(URLText.redacted(url))'")
        }
        schemaRegistry.url = Secret(url)
    }

    private mutating func readAdmin(_ r: ConfigReader) throws(ConfigurationError) {
        try r.rejectUnknownKeys(["listen", "tokens"])
        admin.tokens = try Self.readAdminTokens(r["tokens"])
        guard let (host, port) = try Self.readListen(r["listen"], example: "127.0.0.1:8088") else { return }
        admin.host = host
        admin.port = port
    }

    /// A `listen` value: `host:port` (an IPv6 host in brackets); nil when absent.
    private static func readListen(_ r: ConfigReader, example: String) throws(ConfigurationError) -> (String, Int)? {
        guard let listen = try r.string() else { return nil }
        let problem = "expected host:port (e.g. \(example)), got '\(listen)'"
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw r.error(problem) }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw r.error(problem) }
        return (host, port)
    }

    /// `state`, `history` and `partnerApi`.
    private mutating func readHistory(_ root: ConfigReader) throws(ConfigurationError) {
        let s = root["state"]
        try s.rejectUnknownKeys(["directory"])
        state.directory = try s["directory"].string(default: state.directory)
        guard !state.directory.isEmpty else { throw s["directory"].error("must not be empty") }
        let p = root["partnerApi"]
        try p.rejectUnknownKeys(["listen", "ratePerSecond", "burst"])
        if let (host, port) = try Self.readListen(p["listen"], example: "127.0.0.1:8090") {
            partnerAPI.host = host
            partnerAPI.port = port
        }
        partnerAPI.ratePerSecond = try p["ratePerSecond"].double(default: partnerAPI.ratePerSecond, minimumExclusive: 0)
        partnerAPI.burst = try p["burst"].int(default: partnerAPI.burst, minimum: 1)
        // The history is on where something reads it: the status API, or an operator who asks.
        let h = root["history"]
        try h.rejectUnknownKeys(["enabled"])
        history.enabled = try h["enabled"].bool(default: partnerAPI.isEnabled)
        if partnerAPI.isEnabled, !history.enabled {
            throw h["enabled"].error("the partner status API reads the payment history: it must stay enabled")
        }
    }

    /// `admin.tokens`: `{name, token}` pairs; names unique (they stand for the caller in the audit
    /// trail), tokens at least 32 characters (from the environment: `${ADMIN_TOKEN_OPS}`).
    private static func readAdminTokens(_ r: ConfigReader) throws(ConfigurationError) -> [AdminToken] {
        guard r.isPresent else { return [] }
        var tokens: [AdminToken] = []
        for element in try r.elements() {
            try element.rejectUnknownKeys(["name", "token"])
            guard let name = try element["name"].string() else { throw element["name"].error("is required") }
            guard !name.isEmpty, name.count <= 64,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) })
            else {
                throw element["name"].error("'\(name)' must be 1 to 64 of A-Z a-z 0-9 . _ - @")
            }
            guard !tokens.contains(where: { $0.name == name }) else {
                throw element["name"].error("'\(name)' is listed twice")
            }
            guard let token = try element["token"].string() else { throw element["token"].error("is required") }
            guard token.count >= 32, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw element["token"].error("must be at least 32 printable ASCII characters (value not shown)")
            }
            guard !tokens.contains(where: { $0.token.value == token }) else {
                throw element["token"].error(
                    "is the same as the token of '\(tokens.first { $0.token.value == token }!.name)'")
            }
            tokens.append(AdminToken(name: name, token: Secret(token)))
        }
        return tokens
    }

    private mutating func readBridge(_ r: ConfigReader) throws(ConfigurationError) {
        try r.rejectUnknownKeys([
            "enabled", "inputTopic", "consumerGroup", "transactionalId", "allowUnknownTenants",
            "maxEventBytes", "schemaVersion", "skipEventTypes", "topics",
            "transactions",
        ])
        bridge.enabled = try r["enabled"].bool(default: bridge.enabled)
        bridge.inputTopic = try r["inputTopic"].string(default: bridge.inputTopic)
        try Self.checkTopicName(bridge.inputTopic, r["inputTopic"])
        bridge.consumerGroup = try Self.nonEmpty(r["consumerGroup"], default: bridge.consumerGroup)
        bridge.transactionalID = try Self.nonEmpty(r["transactionalId"], default: bridge.transactionalID)
        bridge.allowUnknownTenants = try r["allowUnknownTenants"].bool(default: bridge.allowUnknownTenants)
        // Up to 64 MiB: with the header room, within librdkafka's receive.message.max.bytes.
        bridge.maxEventBytes = try r["maxEventBytes"].int(default: bridge.maxEventBytes, minimum: 1, maximum: 64 << 20)
        let version = try r["schemaVersion"].int(default: bridge.schemaVersion)
        guard Bridge.schemaVersions.contains(version) else {
            throw r["schemaVersion"].error(
                "must be 1 or 2 (the PaymentResponse schema version the bridge writes), got \(version)")
        }
        bridge.schemaVersion = version
        if r["skipEventTypes"].isPresent {
            bridge.skipEventTypes = []
            for element in try r["skipEventTypes"].elements() {
                guard let name = try element.string(), PaymentEventType.canBeSkipped(name) else {
                    throw element.error(
                        "expected the name of an internal-only event type (letters and digits ending in Event, "
                            + "not a payment event type such as PaymentCompletedEvent)")
                }
                bridge.skipEventTypes.append(name)
            }
        }
        let t = r["topics"]
        try t.rejectUnknownKeys(["partitions", "replicationFactor", "retentionDays", "dltRetentionDays"])
        for key in try t["partitions"].keys() {
            guard let channel = Self.channel(named: key) else {
                throw t["partitions"][key].error("unknown channel (channels: \(Self.channelNames))")
            }
            bridge.topics.partitions[channel] = try t["partitions"][key].int(default: 1, minimum: 1, maximum: 100_000)
        }
        bridge.topics.replicationFactor = try t["replicationFactor"].int(
            default: bridge.topics.replicationFactor, minimum: 1, maximum: 1000)
        bridge.topics.retentionDays = try t["retentionDays"].int(
            default: bridge.topics.retentionDays, minimum: 1, maximum: 36_500)
        bridge.topics.dltRetentionDays = try t["dltRetentionDays"].int(
            default: bridge.topics.dltRetentionDays, minimum: 1, maximum: 36_500)
        let x = r["transactions"]
        try x.rejectUnknownKeys(["maxRecords", "maxInterval"])
        bridge.transactions.maxRecords = try x["maxRecords"].int(default: bridge.transactions.maxRecords, minimum: 1)
        bridge.transactions.maxInterval = try x["maxInterval"].duration(default: bridge.transactions.maxInterval)
    }

    private mutating func readControlPlane(_ r: ConfigReader) throws(ConfigurationError) {
        try r.rejectUnknownKeys(["enabled", "topic", "auditTopic", "stateKeys"])
        controlPlane.enabled = try r["enabled"].bool(default: false)
        controlPlane.topic = try r["topic"].string(default: controlPlane.topic)
        try Self.checkTopicName(controlPlane.topic, r["topic"])
        controlPlane.auditTopic = try r["auditTopic"].string(default: controlPlane.auditTopic)
        try Self.checkTopicName(controlPlane.auditTopic, r["auditTopic"])
        var keys: [Secret] = []
        for element in try r["stateKeys"].elements() {
            guard let text = try element.string(), let key = Data(base64Encoded: text), key.count == 32 else {
                throw element.error(
                    "expected 32 bytes in base64, e.g. from `openssl rand -base64 32` (value not shown)")
            }
            guard !keys.contains(where: { $0.value == text }) else { throw element.error("repeats an earlier key") }
            keys.append(Secret(text))
        }
        controlPlane.stateKeys = keys
        if controlPlane.enabled, keys.isEmpty {
            throw r["stateKeys"].error("at least one key is required when the control plane is enabled")
        }
        if controlPlane.enabled, admin.tokens.isEmpty {
            throw r["enabled"].error("the control plane is changed through the admin API: configure admin.tokens")
        }
    }

    private mutating func readSink(_ r: ConfigReader) throws(ConfigurationError) {
        try r.rejectUnknownKeys([
            "enabled", "consumerGroup", "requestTimeout", "connectTimeout", "retry", "maxPendingPerTenant",
            "maxPending",
        ])
        sink.enabled = try r["enabled"].bool(default: sink.enabled)
        sink.consumerGroup = try Self.nonEmpty(r["consumerGroup"], default: sink.consumerGroup)
        sink.requestTimeout = try Self.positive(r["requestTimeout"], default: sink.requestTimeout)
        sink.connectTimeout = try Self.positive(r["connectTimeout"], default: sink.connectTimeout)
        sink.maxPendingPerTenant = try r["maxPendingPerTenant"].int(default: sink.maxPendingPerTenant, minimum: 1)
        sink.maxPending = try r["maxPending"].int(default: sink.maxPending, minimum: 1)
        let retry = r["retry"]
        try retry.rejectUnknownKeys(["schedule", "maxRetryAfter", "minimumWindow", "jitter"])
        if retry["schedule"].isPresent {
            var schedule: [Duration] = []
            for element in try retry["schedule"].elements() {
                guard let text = try element.string() else { throw element.error("expected a duration") }
                schedule.append(try element.parseDuration(text))
            }
            guard !schedule.isEmpty else { throw retry["schedule"].error("needs at least one delay") }
            sink.retry.schedule = schedule
        }
        sink.retry.maxRetryAfter = try retry["maxRetryAfter"].duration(default: sink.retry.maxRetryAfter)
        sink.retry.minimumWindow = try retry["minimumWindow"].duration(default: sink.retry.minimumWindow)
        sink.retry.jitter = try retry["jitter"].double(default: sink.retry.jitter, minimumExclusive: -.infinity)
        guard (0...1).contains(sink.retry.jitter) else {
            throw retry["jitter"].error("must be between 0 and 1 (a fraction of each delay)")
        }
    }

    private mutating func readTenants(_ r: ConfigReader) throws(ConfigurationError) {
        var seen: Set<String> = []
        for t in try r.elements() {
            let tenant = try Self.readTenant(t)
            guard seen.insert(tenant.id).inserted else { throw t["id"].error("tenant '\(tenant.id)' is listed twice") }
            tenants.append(tenant)
        }
    }

    /// One tenant as the admin API takes it: a JSON object in the shape of a `tenants[]` entry,
    /// checked exactly as the file's tenants are (errors name the key, e.g. `webhook.url`); values
    /// are literal (no `${VAR}`: the API must not read the service's environment).
    public static func tenant(json: String) throws(ConfigurationError) -> Tenant {
        let root: Node?
        do { root = try Yams.compose(yaml: json) } catch {
            throw ConfigurationError(key: "", problem: "malformed JSON: \(error)")
        }
        guard case .mapping? = root else { throw ConfigurationError(key: "", problem: "expected a JSON object") }
        return try readTenant(ConfigReader(node: root, path: "", environment: nil))
    }

    private static func readTenant(_ t: ConfigReader) throws(ConfigurationError) -> Tenant {
        try t.rejectUnknownKeys(["id", "channel", "delivery", "webhook", "statusApi"])
        guard let id = try t["id"].string() else { throw t["id"].error("is required") }
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw t["id"].error("'\(id)' must use only A-Z a-z 0-9 . _ - (it becomes part of a topic name)")
        }
        guard let channelText = try t["channel"].string() else { throw t["channel"].error("is required") }
        guard let channel = Self.channel(named: channelText) else {
            throw t["channel"].error("'\(channelText)' is not one of \(Self.channelNames)")
        }
        let deliveryText = try t["delivery"].string(default: "kafka")
        guard let delivery = Delivery(rawValue: deliveryText) else {
            throw t["delivery"].error("'\(deliveryText)' is not one of kafka, webhook")
        }
        var webhook: Webhook?
        if delivery == .webhook {
            guard t["webhook"].isPresent else { throw t["webhook"].error("is required when delivery is webhook") }
            webhook = try Self.readWebhook(t["webhook"])
        } else if t["webhook"].isPresent {
            throw t["webhook"].error("is only allowed when delivery is webhook")
        }
        var tenant = Tenant(id: id, channel: channel, delivery: delivery, webhook: webhook)
        tenant.statusAPIKeys = try readStatusAPIKeys(t["statusApi"])
        return tenant
    }

    /// `statusApi.keys`: `sha256:<64 hex digits>` each (the hash of a key, never the key).
    private static func readStatusAPIKeys(_ r: ConfigReader) throws(ConfigurationError) -> [String] {
        try r.rejectUnknownKeys(["keys"])
        var keys: [String] = []
        for element in try r["keys"].elements() {
            let text = try element.string() ?? ""
            let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)).lowercased() : ""
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw element.error(
                    "expected sha256:<64 hex digits>, the SHA-256 of the key (e.g. `printf %s KEY | sha256sum`)")
            }
            guard !keys.contains(hex) else { throw element.error("repeats an earlier key") }
            keys.append(hex)
        }
        return keys
    }

    private static func readWebhook(_ w: ConfigReader) throws(ConfigurationError) -> Webhook {
        try w.rejectUnknownKeys([
            "url", "secrets", "eventTypes", "maxInFlight", "ratePerSecond", "allowPrivateNetwork",
            "allowInsecureHttp", "headers", "tls", "oauth2",
        ])
        let allowInsecureHttp = try w["allowInsecureHttp"].bool(default: false)
        guard let url = try w["url"].string() else { throw w["url"].error("is required") }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), parsed.host?.isEmpty == false
        else {
            throw w["url"].error("'\(URLText.redacted(url))' is not an absolute URL")
        }
        guard scheme == "https" || (scheme == "http" && allowInsecureHttp) else {
            throw w["url"].error(
                scheme == "http"
                    ? "must be https (set allowInsecureHttp: true only for local receivers)"
                    : "scheme '\(scheme)' is not supported; use https")
        }
        var secrets: [Secret] = []
        for element in try w["secrets"].elements() {
            guard let value = try element.string() else { throw element.error("expected a whsec_ secret") }
            guard Secret.isWebhookSecret(value) else { throw element.error(Secret.webhookSecretProblem) }
            secrets.append(Secret(value))
        }
        guard !secrets.isEmpty else { throw w["secrets"].error("needs at least one whsec_ secret") }
        var eventTypes: [String]?
        if w["eventTypes"].isPresent {
            eventTypes = []
            for element in try w["eventTypes"].elements() {
                guard let name = try element.string(), PaymentEventType(rawValue: name) != nil else {
                    throw element.error(
                        "expected one of \(PaymentEventType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                eventTypes?.append(name)
            }
        }
        var webhook = Webhook(
            url: url, secrets: secrets, eventTypes: eventTypes,
            maxInFlight: try w["maxInFlight"].int(default: 16, minimum: 1, maximum: 10_000),
            ratePerSecond: try w["ratePerSecond"].double(
                default: 100, minimumExclusive: 0, minimum: 0.001, maximum: 1_000_000),
            allowPrivateNetwork: try w["allowPrivateNetwork"].bool(default: false),
            allowInsecureHttp: allowInsecureHttp)
        webhook.headers = try readHeaders(w["headers"])
        if w["tls"].isPresent { webhook.tls = try readTLS(w["tls"]) }
        if w["oauth2"].isPresent {
            webhook.oauth2 = try readOAuth2(w["oauth2"], allowInsecureHttp: allowInsecureHttp)
            if let name = webhook.headers.keys.first(where: { $0.lowercased() == "authorization" }) {
                throw w["headers"][name].error("cannot be set with oauth2 (the token is the Authorization header)")
            }
        }
        return webhook
    }

    /// `webhook.oauth2`: the token URL (https, like the endpoint's), the client's id and secret.
    private static func readOAuth2(_ r: ConfigReader, allowInsecureHttp: Bool) throws(ConfigurationError) -> OAuth2 {
        try r.rejectUnknownKeys(["tokenUrl", "clientId", "clientSecret", "scope", "audience"])
        guard let url = try r["tokenUrl"].string() else { throw r["tokenUrl"].error("is required") }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), parsed.host?.isEmpty == false,
            scheme == "https" || (scheme == "http" && allowInsecureHttp)
        else {
            throw r["tokenUrl"].error("'\(URLText.redacted(url))' is not an absolute https URL")
        }
        guard let clientID = try r["clientId"].string(), !clientID.isEmpty else {
            throw r["clientId"].error("is required")
        }
        guard let clientSecret = try r["clientSecret"].string(), !clientSecret.isEmpty else {
            throw r["clientSecret"].error("is required")
        }
        var oauth2 = OAuth2(tokenURL: url, clientID: clientID, clientSecret: Secret(clientSecret))
        oauth2.scope = try r["scope"].string()
        oauth2.audience = try r["audience"].string()
        return oauth2
    }

    /// `webhook.tls`: each certificate or key either as a file that exists and can be read or as
    /// PEM text (`…Pem`), not both (the content is checked when the endpoint is built), a client
    /// certificate only with its key.
    private static func readTLS(_ r: ConfigReader) throws(ConfigurationError) -> TLS {
        try r.rejectUnknownKeys([
            "caBundle", "caBundlePem", "caMode", "clientCertificate", "clientCertificatePem", "clientKey",
            "clientKeyPem", "clientKeyPassphrase", "minimumVersion",
        ])
        var tls = TLS()
        func file(_ key: String) throws(ConfigurationError) -> String? {
            guard let path = try r[key].string() else { return nil }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw r[key].error("cannot read the file '\(path)'")
            }
            return path
        }
        /// PEM text, never repeated in a message; not beside the same material as a file.
        func pem(_ key: String, besides fileKey: String) throws(ConfigurationError) -> String? {
            guard let text = try r[key].string() else { return nil }
            guard text.contains("-----BEGIN ") else { throw r[key].error("expected PEM text (value not shown)") }
            guard !r[fileKey].isPresent else {
                throw r[key].error("give either \(fileKey) (a file) or \(key), not both")
            }
            return text
        }
        tls.caBundle = try file("caBundle")
        tls.caBundlePEM = try pem("caBundlePem", besides: "caBundle")
        let mode = try r["caMode"].string(default: "add")
        guard let caMode = TLS.CAMode(rawValue: mode) else { throw r["caMode"].error("expected add or only") }
        tls.caMode = caMode
        if caMode == .only, tls.caBundle == nil, tls.caBundlePEM == nil {
            throw r["caBundle"].error("is required with caMode: only (or caBundlePem, as PEM text)")
        }
        tls.clientCertificate = try file("clientCertificate")
        tls.clientCertificatePEM = try pem("clientCertificatePem", besides: "clientCertificate")
        tls.clientKey = try file("clientKey")
        tls.clientKeyPEM = try pem("clientKeyPem", besides: "clientKey").map { Secret($0) }
        let hasCertificate = tls.clientCertificate != nil || tls.clientCertificatePEM != nil
        let hasKey = tls.clientKey != nil || tls.clientKeyPEM != nil
        if hasCertificate != hasKey {
            // Named in the form given: the key missing beside a file, or beside PEM text.
            let asText = r[hasKey ? "clientKeyPem" : "clientCertificatePem"].isPresent
            let missing = (hasKey ? "clientCertificate" : "clientKey") + (asText ? "Pem" : "")
            throw r[missing].error(
                asText
                    ? "clientCertificatePem and clientKeyPem go together"
                    : "clientCertificate and clientKey go together")
        }
        if let passphrase = try r["clientKeyPassphrase"].string() {
            guard hasKey else { throw r["clientKeyPassphrase"].error("needs clientKey or clientKeyPem") }
            tls.clientKeyPassphrase = Secret(passphrase)
        }
        tls.minimumVersion = try r["minimumVersion"].string(default: "1.2")
        guard ["1.2", "1.3"].contains(tls.minimumVersion) else {
            throw r["minimumVersion"].error("expected 1.2 or 1.3")
        }
        return tls
    }

    /// Headers the service sets itself (content, signature, tracing) or that HTTP manages.
    static let reservedHeaders: Set<String> = [
        "content-type", "content-length", "host", "user-agent", "connection", "transfer-encoding", "te", "upgrade",
        "x-webhook-signature", "x-correlation-id", "x-tenant-id",
    ]

    /// `webhook.headers`: names HTTP allows (not the service's own, nor `webhook-*`), values
    /// without control characters; at most 20, each value at most 4096 characters.
    private static func readHeaders(_ r: ConfigReader) throws(ConfigurationError) -> [String: Secret] {
        guard r.isPresent else { return [:] }
        let names = try r.keys()
        guard names.count <= 20 else { throw r.error("at most 20 headers") }
        var headers: [String: Secret] = [:]
        let token = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        for name in names {
            let lower = name.lowercased()
            guard !name.isEmpty, name.allSatisfy({ token.contains($0) }) else {
                throw r[name].error("is not a valid HTTP header name")
            }
            guard !reservedHeaders.contains(lower), !lower.hasPrefix("webhook-") else {
                throw r[name].error("is set by the service and cannot be overridden")
            }
            guard !headers.keys.contains(where: { $0.lowercased() == lower }) else {
                throw r[name].error("is listed twice (header names ignore case)")
            }
            guard let value = try r[name].string() else { throw r[name].error("needs a value") }
            guard value.count <= 4096,
                value.unicodeScalars.allSatisfy({ $0 == "\t" || ($0.value >= 0x20 && $0.value != 0x7f) })
            else {
                throw r[name].error(
                    "the value must be at most 4096 characters without control characters (value not shown)")
            }
            headers[name] = Secret(value)
        }
        return headers
    }

    /// Channels are written in lower case in the configuration, as in topic names.
    private static func channel(named name: String) -> PaymentChannel? { PaymentChannel(topicFragment: name) }

    private static var channelNames: String { PaymentChannel.allCases.map(\.topicFragment).joined(separator: ", ") }

    private static func positive(_ r: ConfigReader, default value: Duration) throws(ConfigurationError) -> Duration {
        let duration = try r.duration(default: value)
        guard duration > .zero else { throw r.error("must be longer than zero") }
        return duration
    }

    private static func nonEmpty(_ r: ConfigReader, default value: String) throws(ConfigurationError) -> String {
        let text = try r.string(default: value)
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw r.error("must not be empty") }
        return text
    }

    static func checkTopicName(_ name: String, _ r: ConfigReader) throws(ConfigurationError) {
        guard !name.isEmpty, name.count <= 249, name != ".", name != "..",
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else {
            throw r.error("'\(name)' is not a legal Kafka topic name ([A-Za-z0-9._-], at most 249 characters)")
        }
    }
}
