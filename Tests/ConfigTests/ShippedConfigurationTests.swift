import Config
import Foundation
import TestSupport
import Testing

/// The configuration files in `config/`: what a deployment gets by default, and the one
/// development file (`dev.yaml`, or a name ending in `.dev.yaml`) that `make run` uses.
enum ShippedConfiguration {
    /// What a deployment sets for the webhook partner of the shipped files.
    static let partnerURL = "https://partner-abc.example/webhooks"
    static let partnerSecret = "whsec_" + Data("partner-abc-test-secret".utf8).base64EncodedString()
    static let brokers = "127.0.0.1:9092"
    static let partnerEnvironment = [
        "PARTNER_ABC_URL": partnerURL, "PARTNER_ABC_SECRET": partnerSecret,
        "KAFKA_BOOTSTRAP_SERVERS": brokers,
    ]

    static var directory: URL { repositoryRoot.appendingPathComponent("config") }

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }

    static func isDevelopment(_ name: String) -> Bool { name == "dev.yaml" || name.hasSuffix(".dev.yaml") }

    static func load(_ name: String, environment: [String: String]) throws -> BridgeConfiguration {
        try BridgeConfiguration.load(path: directory.appendingPathComponent(name).path, environment: environment)
    }

    static func isLoopback(_ host: String) -> Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
}

@Suite("Shipped configuration files")
struct ShippedConfigurationTests {
    @Test("config/ holds the deployment file and one development file")
    func inventory() {
        #expect(ShippedConfiguration.files.contains("bridge.yaml"))
        #expect(ShippedConfiguration.files.filter(ShippedConfiguration.isDevelopment) == ["dev.yaml"])
    }

    @Test(
        "no file carries a secret: each comes from a variable with no default, and start-up fails naming it",
        arguments: ShippedConfiguration.files)
    func secretsHaveNoDefault(file: String) throws {
        let text = try String(contentsOf: ShippedConfiguration.directory.appendingPathComponent(file), encoding: .utf8)
        #expect(!text.contains(/whsec_[A-Za-z0-9+\/]/), "a webhook secret is written in \(file)")
        let config = try ShippedConfiguration.load(file, environment: ShippedConfiguration.partnerEnvironment)
        let webhooks = config.tenants.compactMap(\.webhook)
        #expect(!webhooks.isEmpty)
        for webhook in webhooks {
            #expect(webhook.secrets.map(\.value) == [ShippedConfiguration.partnerSecret])
        }
        var withoutSecret = ShippedConfiguration.partnerEnvironment
        withoutSecret["PARTNER_ABC_SECRET"] = nil
        #expect {
            try ShippedConfiguration.load(file, environment: withoutSecret)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.key.hasPrefix("tenants[") && error.key.hasSuffix("].webhook.secrets[0]")
                && error.problem == "environment variable PARTNER_ABC_SECRET is not set"
        }
    }

    @Test(
        "allowInsecureHttp and allowPrivateNetwork appear only in the development file",
        arguments: ShippedConfiguration.files)
    func developmentFlags(file: String) throws {
        let text = try String(contentsOf: ShippedConfiguration.directory.appendingPathComponent(file), encoding: .utf8)
        let config = try ShippedConfiguration.load(file, environment: ShippedConfiguration.partnerEnvironment)
        let flagged = config.tenants.filter {
            $0.webhook?.allowInsecureHttp == true || $0.webhook?.allowPrivateNetwork == true
        }
        if ShippedConfiguration.isDevelopment(file) {
            #expect(flagged.map(\.id) == ["PARTNER-ABC"])
        } else {
            #expect(flagged.isEmpty, "\(file) allows http or private addresses for \(flagged.map(\.id))")
            #expect(!text.contains("allowInsecureHttp") && !text.contains("allowPrivateNetwork"))
        }
    }

    @Test("the admin surface listens on loopback unless configured otherwise", arguments: ShippedConfiguration.files)
    func adminOnLoopback(file: String) throws {
        let config = try ShippedConfiguration.load(file, environment: ShippedConfiguration.partnerEnvironment)
        #expect(
            ShippedConfiguration.isLoopback(config.admin.host),
            "\(file) serves the admin surface on \(config.admin.listen)")
        #expect(config.admin.port == 8088)
    }

    @Test("the deployment file takes the admin address from ADMIN_LISTEN")
    func adminListenOverride() throws {
        var environment = ShippedConfiguration.partnerEnvironment
        environment["ADMIN_LISTEN"] = "0.0.0.0:9099"
        let config = try ShippedConfiguration.load("bridge.yaml", environment: environment)
        #expect(config.admin.host == "0.0.0.0" && config.admin.port == 9099)
    }

    @Test(
        "the deployment file fails without the Kafka brokers, naming the variable: never the development broker by mistake"
    )
    func brokersHaveNoDefault() {
        var environment = ShippedConfiguration.partnerEnvironment
        environment["KAFKA_BOOTSTRAP_SERVERS"] = nil
        #expect {
            try ShippedConfiguration.load("bridge.yaml", environment: environment)
        } throws: { error in
            (error as? ConfigurationError)?.problem == "environment variable KAFKA_BOOTSTRAP_SERVERS is not set"
        }
    }

    @Test("the deployment file fails without the partner's URL, naming the variable")
    func urlHasNoDefault() {
        var environment = ShippedConfiguration.partnerEnvironment
        environment["PARTNER_ABC_URL"] = nil
        #expect {
            try ShippedConfiguration.load("bridge.yaml", environment: environment)
        } throws: { error in
            (error as? ConfigurationError)?.problem == "environment variable PARTNER_ABC_URL is not set"
        }
    }

    @Test("the development file runs on this machine with nothing but the secret make run gives it")
    func developmentFile() throws {
        let secret = "whsec_" + Data("random-for-this-run".utf8).base64EncodedString()
        let config = try ShippedConfiguration.load("dev.yaml", environment: ["PARTNER_ABC_SECRET": secret])
        #expect(config.kafka.isEmbedded)
        #expect(config.schemaRegistry.url == nil)
        #expect(config.admin.host == "127.0.0.1" && config.admin.port == 8088)
        #expect(config.tenants.map(\.id) == ["TENANT-001", "PARTNER-ABC"])
        let webhook = try #require(config.tenants[1].webhook)
        #expect(webhook.url == "http://127.0.0.1:8089/webhooks")
        #expect(webhook.secrets.map(\.value) == [secret])
        #expect(webhook.eventTypes == ["PAYMENT_COMPLETED", "PAYMENT_FAILED"])
    }
}
