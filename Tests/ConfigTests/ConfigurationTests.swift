import Config
import Foundation
import TestSupport
import Testing

/// Parses YAML expecting a failure; returns the error.
func failure(_ yaml: String, environment: [String: String] = [:]) -> ConfigurationError? {
    do {
        _ = try BridgeConfiguration.parse(yaml: yaml, environment: environment)
        return nil
    } catch {
        return error
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("the shipped configuration loads with the partner's URL and secret from the environment")
    func checkedInDefault() throws {
        let config = try BridgeConfiguration.load(
            path: repositoryRoot.appendingPathComponent("config/bridge.yaml").path,
            environment: ShippedConfiguration.partnerEnvironment)
        #expect(config.kafka.bootstrapServers == ShippedConfiguration.brokers)
        #expect(config.schemaRegistry.url == nil)
        #expect(config.admin.host == "127.0.0.1" && config.admin.port == 8088)
        #expect(config.bridge.inputTopic == "payments.events")
        #expect(config.bridge.transactionalID == "payments-bridge-1")
        #expect(config.bridge.schemaVersion == 2)
        #expect(config.bridge.topics.partitions[.web] == 10 && config.bridge.topics.partitions[.corporate] == 3)
        #expect(config.sink.retry.schedule.count == 10)
        #expect(
            config.sink.retry.schedule.first == .seconds(5) && config.sink.retry.schedule.last == .seconds(8 * 3600))
        #expect(config.sink.requestTimeout == .seconds(30))
        #expect(config.tenants.map(\.id) == ["TENANT-001", "PARTNER-ABC"])
        #expect(config.tenants[1].webhook?.eventTypes == ["PAYMENT_COMPLETED", "PAYMENT_FAILED"])
        #expect(config.tenants[1].webhook?.url == ShippedConfiguration.partnerURL)
        #expect(config.tenants[1].webhook?.secrets.map(\.value) == [ShippedConfiguration.partnerSecret])
    }

    @Test("an empty file means the documented defaults")
    func defaults() throws {
        let config = try BridgeConfiguration.parse(yaml: "")
        #expect(config == BridgeConfiguration())
        // The contract's schedule: 5s 30s 2m 10m 30m 1h 2h 4h 8h 8h (23h42m35s before jitter).
        #expect(
            config.sink.retry.schedule.map(DurationText.format) == [
                "5s", "30s", "2m", "10m", "30m", "1h", "2h", "4h", "8h", "8h",
            ])
    }

    @Test("${VAR} and ${VAR:-default} are substituted; an unset variable names the key")
    func substitution() throws {
        let yaml = """
            tenants:
              - id: P1
                channel: web
                delivery: webhook
                webhook:
                  url: "${P1_URL:-https://p1.example/hooks}"
                  secrets: ["${P1_SECRET}"]
            """
        let config = try BridgeConfiguration.parse(yaml: yaml, environment: ["P1_SECRET": "whsec_c2VjcmV0"])
        #expect(config.tenants[0].webhook?.url == "https://p1.example/hooks")
        #expect(config.tenants[0].webhook?.secrets.map(\.value) == ["whsec_c2VjcmV0"])
        let error = failure(yaml)
        #expect(error?.key == "tenants[0].webhook.secrets[0]")
        #expect(error?.problem.contains("P1_SECRET") == true)
    }

    @Test("bridge.schemaVersion: 2 by default, 1 to hold the compliance hold back, nothing else")
    func schemaVersion() throws {
        #expect(try BridgeConfiguration.parse(yaml: "").bridge.schemaVersion == 2)
        #expect(try BridgeConfiguration.parse(yaml: "bridge: {schemaVersion: 1}").bridge.schemaVersion == 1)
        let error = failure("bridge: {schemaVersion: 3}")
        #expect(error?.key == "bridge.schemaVersion")
        #expect(error?.problem == "must be 1 or 2 (the PaymentResponse schema version the bridge writes), got 3")
    }

    @Test("bridge.skipEventTypes: the known internal-only types by default, or the list given (empty skips nothing)")
    func skipEventTypes() throws {
        #expect(try BridgeConfiguration.parse(yaml: "").bridge.skipEventTypes == ["RoutingDeterminedEvent"])
        #expect(
            try BridgeConfiguration.parse(
                yaml: "bridge: {skipEventTypes: [RoutingDeterminedEvent, FxQuoteRefreshedEvent]}"
            )
            .bridge.skipEventTypes == ["RoutingDeterminedEvent", "FxQuoteRefreshedEvent"])
        #expect(try BridgeConfiguration.parse(yaml: "bridge: {skipEventTypes: []}").bridge.skipEventTypes.isEmpty)
        #expect(
            failure("bridge: {skipEventTypes: [PaymentComplianceHoldEvent]}")?.problem.contains(
                "not a payment event type") == true)
    }

    @Test("KAFKA_BOOTSTRAP_SERVERS and SCHEMA_REGISTRY_URL override the file")
    func environmentOverrides() throws {
        let config = try BridgeConfiguration.parse(
            yaml: "kafka: {bootstrapServers: embedded}",
            environment: [
                "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092,127.0.0.1:9093",
                "SCHEMA_REGISTRY_URL": "http://127.0.0.1:8081",
            ])
        #expect(config.kafka.bootstrapServers == "127.0.0.1:9092,127.0.0.1:9093")
        #expect(config.schemaRegistry.url?.value == "http://127.0.0.1:8081")
    }

    @Test(
        "each invalid value is rejected with the key and the problem",
        arguments: [
            ("kafka: {bootstrapServers: 'localhost'}", "kafka.bootstrapServers"),
            ("schemaRegistry: {url: 'ftp://registry'}", "schemaRegistry.url"),
            ("admin: {listen: '127.0.0.1'}", "admin.listen"),
            ("admin: {listen: '127.0.0.1:99999'}", "admin.listen"),
            ("bridge: {inputTopic: 'bad topic!'}", "bridge.inputTopic"),
            ("bridge: {consumerGroup: ''}", "bridge.consumerGroup"),
            ("bridge: {maxEventBytes: 0}", "bridge.maxEventBytes"),
            ("bridge: {maxEventBytes: lots}", "bridge.maxEventBytes"),
            ("bridge: {schemaVersion: 3}", "bridge.schemaVersion"),
            ("bridge: {schemaVersion: 0}", "bridge.schemaVersion"),
            ("bridge: {schemaVersion: v2}", "bridge.schemaVersion"),
            ("bridge: {skipEventTypes: [PaymentCompletedEvent]}", "bridge.skipEventTypes[0]"),
            ("bridge: {skipEventTypes: [RoutingDeterminedEvent, 'drop table']}", "bridge.skipEventTypes[1]"),
            ("bridge: {enabled: maybe}", "bridge.enabled"),
            ("bridge: {topics: {partitions: {web: 0}}}", "bridge.topics.partitions.web"),
            ("bridge: {topics: {partitions: {fax: 2}}}", "bridge.topics.partitions.fax"),
            ("bridge: {topics: {replicationFactor: 0}}", "bridge.topics.replicationFactor"),
            ("sink: {requestTimeout: 30}", "sink.requestTimeout"),
            ("sink: {requestTimeout: 0s}", "sink.requestTimeout"),
            ("sink: {retry: {schedule: [5s, soon]}}", "sink.retry.schedule[1]"),
            ("sink: {retry: {schedule: []}}", "sink.retry.schedule"),
            ("sink: {retry: {maxRetryAfter: forever}}", "sink.retry.maxRetryAfter"),
            ("tenants: [{id: 'A B', channel: web}]", "tenants[0].id"),
            ("tenants: [{id: A, channel: fax}]", "tenants[0].channel"),
            ("tenants: [{id: A, channel: web, delivery: pigeon}]", "tenants[0].delivery"),
            ("tenants: [{id: A, channel: web}, {id: A, channel: web}]", "tenants[1].id"),
            ("tenants: [{id: A, channel: web, delivery: webhook}]", "tenants[0].webhook"),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'http://a.example/h', secrets: [whsec_YQ==]}}]",
                "tenants[0].webhook.url"
            ),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: []}}]",
                "tenants[0].webhook.secrets"
            ),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: [plain]}}]",
                "tenants[0].webhook.secrets[0]"
            ),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: [whsec_YQ==], eventTypes: [PAID]}}]",
                "tenants[0].webhook.eventTypes[0]"
            ),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: [whsec_YQ==], maxInFlight: 0}}]",
                "tenants[0].webhook.maxInFlight"
            ),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: [whsec_YQ==], ratePerSecond: -1}}]",
                "tenants[0].webhook.ratePerSecond"
            ),
            ("kafka: {properties: [a, b]}", "kafka.properties"),
            ("kafka: {bootstrapServers: ''}", "kafka.bootstrapServers"),
            ("bridge: {transactionalId: ''}", "bridge.transactionalId"),
            ("bridge: {allowUnknownTenants: sometimes}", "bridge.allowUnknownTenants"),
            ("bridge: {topics: {retentionDays: 0}}", "bridge.topics.retentionDays"),
            ("bridge: {topics: {dltRetentionDays: -3}}", "bridge.topics.dltRetentionDays"),
            ("bridge: {transactions: {maxRecords: 0}}", "bridge.transactions.maxRecords"),
            ("bridge: {transactions: {maxInterval: never}}", "bridge.transactions.maxInterval"),
            ("sink: {enabled: 2}", "sink.enabled"),
            ("sink: {consumerGroup: ''}", "sink.consumerGroup"),
            ("sink: {connectTimeout: -1s}", "sink.connectTimeout"),
            ("sink: {retry: {minimumWindow: a-day}}", "sink.retry.minimumWindow"),
            ("sink: {retry: {jitter: -0.5}}", "sink.retry.jitter"),
            ("tenants: [{id: A}]", "tenants[0].channel"),
            ("tenants: {id: A}", "tenants"),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://', secrets: [whsec_YQ==]}}]",
                "tenants[0].webhook.url"
            ),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: [whsec_YQ==], allowPrivateNetwork: yes-please}}]",
                "tenants[0].webhook.allowPrivateNetwork"
            ),
            (
                "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: [whsec_YQ==], allowInsecureHttp: 3}}]",
                "tenants[0].webhook.allowInsecureHttp"
            ),
            ("sink: {retyr: {}}", "sink.retyr"),
            ("kafak: {}", "kafak"),
        ])
    func invalidValues(yaml: String, key: String) {
        let error = failure(yaml)
        #expect(error?.key == key, "\(yaml)")
        #expect(error?.description.contains(key) == true)
    }

    @Test("malformed YAML is rejected with a clear message")
    func malformedYAML() {
        let error = failure("kafka: [unclosed")
        #expect(error?.problem.contains("malformed YAML") == true)
    }

    @Test("secrets never appear when the configuration is printed or a secret is rejected")
    func secretsRedacted() throws {
        let yaml = """
            kafka:
              bootstrapServers: 127.0.0.1:9092
              properties: {sasl.password: hunter2-kafka, security.protocol: SASL_SSL}
            schemaRegistry: {url: "https://user:registry-pass@registry.example"}
            tenants:
              - {id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: [whsec_c3VwZXItc2VjcmV0]}}
            """
        let config = try BridgeConfiguration.parse(yaml: yaml)
        let printed = "\(config) \(String(describing: config)) \(String(reflecting: config))"
        for secret in ["hunter2-kafka", "registry-pass", "whsec_c3VwZXItc2VjcmV0"] {
            #expect(!printed.contains(secret), "\(secret) leaked")
        }
        #expect(printed.contains("SASL_SSL"), "plain properties stay readable")
        #expect(config.kafka.properties["sasl.password"]?.value == "hunter2-kafka")

        let bad = failure(
            "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: 'https://a.example/h', secrets: [not-a-whsec-hunter3]}}]"
        )
        #expect(bad?.description.contains("hunter3") == false)
    }

    @Test(
        "a registry URL whose password holds %, %41, a space, |, @, :, /, ? or # is accepted and kept as written",
        arguments: [
            "Secr%et", "Secr%41et", "Secr et", "Secr|et", "Secr@et", "Secr:et", "Secr/et", "Secr?et", "Secr#et",
        ])
    func registryCredentials(password: String) throws {
        let url = "https://bridge-user:\(password)@registry.example:8081"
        let config = try BridgeConfiguration.parse(yaml: "schemaRegistry: {url: '\(url)'}")
        #expect(config.schemaRegistry.url?.value == url, "the registry client takes the credentials out, once")
        let printed = "\(config) \(String(reflecting: config))"
        #expect(!printed.contains("Secr") && !printed.contains("bridge-user"))
        #expect(
            try BridgeConfiguration.parse(yaml: "", environment: ["SCHEMA_REGISTRY_URL": url]).schemaRegistry.url?.value
                == url)
    }

    @Test(
        "a refused registry URL is shown without credentials, query or fragment",
        arguments: [
            ("ftp://bridge-user:Secr%et@registry.example/base?token=Tok", "'ftp://registry.example/base'"),
            ("ftp://bridge-user:Secr/et@registry.example#Tok", "'ftp://registry.example'"),
            ("bridge-user:Secr|et@registry.example", "'registry.example'"),
            ("https://bridge-user:Secr et@", "'https://'"),
        ])
    func refusedRegistryURL(url: String, shown: String) {
        for error in [
            failure("schemaRegistry: {url: '\(url)'}"), failure("", environment: ["SCHEMA_REGISTRY_URL": url]),
        ] {
            #expect(error?.problem == "expected an http(s) URL, got \(shown)")
            for leaked in ["Secr", "bridge-user", "Tok"] {
                #expect(error?.description.contains(leaked) == false, "\(leaked)")
            }
        }
        #expect(failure("", environment: ["SCHEMA_REGISTRY_URL": url])?.key == "SCHEMA_REGISTRY_URL")
    }

    @Test(
        "a webhook URL in an error is shown without user information, query or fragment",
        arguments: [
            ("https://hook-user:Secr@/h?token=Tok", "'https:///h'"),
            ("hook-user:Secr@partner.example/h?token=Tok#Tok", "'partner.example/h'"),
            ("https://hook-user:Se/cr@partner.example/h?token=Tok", "'https://partner.example/h'"),
            ("https://hook-user:Se?cr@partner.example/h", "'https://…'"),
            ("partner.example/h?token=Tok", "'partner.example/h'"),
        ])
    func webhookURLInErrors(url: String, shown: String) {
        let error = failure(
            "tenants: [{id: A, channel: web, delivery: webhook, webhook: {url: '\(url)', secrets: [whsec_YQ==]}}]")
        #expect(error?.key == "tenants[0].webhook.url")
        #expect(error?.problem == "\(shown) is not an absolute URL")
        for leaked in ["Secr", "Se/cr", "hook-user", "Tok"] {
            #expect(error?.description.contains(leaked) == false, "\(leaked)")
        }
    }

    @Test("durations are written 500ms, 5s, 2m, 1h")
    func durations() {
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("5s") == .seconds(5))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("1h") == .seconds(3600))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("5") == nil)
        #expect(DurationText.parse("-5s") == nil)
        #expect(DurationText.format(.seconds(7200)) == "2h")
    }
}

/// Every numeric key with hostile values: each is loaded or refused with an error naming the key;
/// none crashes the loader (a trap here would end the test process).
@Suite("Configuration: hostile numbers")
struct ConfigurationNumberFuzzTests {
    static let webhook =
        #"tenants: [{id: P1, channel: partner, delivery: webhook, webhook: {url: "https://p1.example/h", secrets: ["whsec_MDEyMzQ1Njc4OWFiY2RlZg=="], KEY: VALUE}}]"#
    static let templates: [(key: String, yaml: String)] = [
        ("bridge.maxEventBytes", "bridge: {maxEventBytes: VALUE}"),
        ("bridge.schemaVersion", "bridge: {schemaVersion: VALUE}"),
        ("bridge.topics.partitions.web", "bridge: {topics: {partitions: {web: VALUE}}}"),
        ("bridge.topics.replicationFactor", "bridge: {topics: {replicationFactor: VALUE}}"),
        ("bridge.topics.retentionDays", "bridge: {topics: {retentionDays: VALUE}}"),
        ("bridge.topics.dltRetentionDays", "bridge: {topics: {dltRetentionDays: VALUE}}"),
        ("bridge.transactions.maxRecords", "bridge: {transactions: {maxRecords: VALUE}}"),
        ("bridge.transactions.maxInterval", "bridge: {transactions: {maxInterval: VALUE}}"),
        ("sink.requestTimeout", "sink: {requestTimeout: VALUE}"),
        ("sink.connectTimeout", "sink: {connectTimeout: VALUE}"),
        ("sink.maxPendingPerTenant", "sink: {maxPendingPerTenant: VALUE}"),
        ("sink.maxPending", "sink: {maxPending: VALUE}"),
        ("sink.retry.schedule", "sink: {retry: {schedule: [VALUE]}}"),
        ("sink.retry.maxRetryAfter", "sink: {retry: {maxRetryAfter: VALUE}}"),
        ("sink.retry.minimumWindow", "sink: {retry: {minimumWindow: VALUE}}"),
        ("sink.retry.jitter", "sink: {retry: {jitter: VALUE}}"),
        ("webhook.maxInFlight", webhook.replacingOccurrences(of: "KEY", with: "maxInFlight")),
        ("webhook.ratePerSecond", webhook.replacingOccurrences(of: "KEY", with: "ratePerSecond")),
    ]
    static let values = [
        "1e300", "-1e300", "1e-17", "0", "-1", "NaN", ".nan", ".inf", "-.inf", "99999999999999999999",
        "9223372036854775807", "-9223372036854775808", "1e300s", "1e300ms", "99999999999d", "1e18h",
        "0.0000001ms", "-5s", "5", "abc", "1.5", "0x10", "1_000", "'1e308'", "1e308d",
    ]

    @Test(arguments: templates)
    func hostileValuesAreLoadedOrRefusedNamingTheKey(_ template: (key: String, yaml: String)) {
        for value in Self.values {
            do {
                _ = try BridgeConfiguration.parse(yaml: template.yaml.replacingOccurrences(of: "VALUE", with: value))
            } catch {
                let leaf = String(template.key.split(separator: ".").last!)
                #expect("\(error)".contains(leaf), "\(template.key) = \(value): \(error)")
            }
        }
    }

    @Test func outOfRangeNumbersAreRefused() {
        #expect(failure(Self.webhook.replacingOccurrences(of: "KEY: VALUE", with: "ratePerSecond: 1e-17")) != nil)
        #expect(failure("sink: {requestTimeout: 1e300s}") != nil)
        #expect(failure("bridge: {topics: {retentionDays: 9223372036854775807}}") != nil)
    }
}
