import Config
import Foundation
import TestSupport
import Testing
import Yams

/// No Docker engine runs on our machines, so the compose file's structure is checked instead.
@Suite("docker-compose.yml and Dockerfile")
struct DockerComposeTests {
    func compose() throws -> [String: Any] {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    @Test("Kafka runs in KRaft mode, with no ZooKeeper")
    func kafkaKRaft() throws {
        let services = try #require(try compose()["services"] as? [String: Any])
        #expect(services["zookeeper"] == nil)
        let kafka = try #require(services["kafka"] as? [String: Any])
        let environment = try #require(kafka["environment"] as? [String: Any])
        #expect((environment["KAFKA_PROCESS_ROLES"] as? String)?.contains("controller") == true)
        #expect(environment["KAFKA_CONTROLLER_QUORUM_VOTERS"] != nil)
        #expect(
            environment["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] as? Int == 1,
            "transactions work on one broker")
    }

    @Test("the schema registry stores its schemas in that Kafka")
    func registry() throws {
        let services = try #require(try compose()["services"] as? [String: Any])
        let registry = try #require(services["schema-registry"] as? [String: Any])
        let environment = try #require(registry["environment"] as? [String: Any])
        #expect(
            (environment["SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"] as? String)?.contains("kafka:29092") == true)
        #expect((environment["SCHEMA_REGISTRY_LISTENERS"] as? String)?.contains("8081") == true)
    }

    @Test("the service is built from the Dockerfile and pointed at both, with a config that loads")
    func service() throws {
        let services = try #require(try compose()["services"] as? [String: Any])
        let bridge = try #require(services["payments-bridge"] as? [String: Any])
        let build = try #require(bridge["build"] as? [String: Any])
        let dockerfile = try #require(build["dockerfile"] as? String)
        let dockerfileText = try String(contentsOf: repositoryRoot.appendingPathComponent(dockerfile), encoding: .utf8)
        #expect(dockerfileText.contains("COPY schemas"))
        #expect(
            dockerfileText.split(separator: "\n").filter { $0.hasPrefix("COPY config") } == [
                "COPY config/bridge.yaml ./config/bridge.yaml"
            ],
            "the image gets the deployment configuration, not the development file")

        let written = try #require(bridge["environment"] as? [String: String])
        #expect(written["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:29092")
        #expect(written["SCHEMA_REGISTRY_URL"] == "http://schema-registry:8081")
        // The partner's URL and secret come from the host, with no default: compose refuses to start without them.
        for name in ["PARTNER_ABC_URL", "PARTNER_ABC_SECRET"] {
            #expect(written[name]?.hasPrefix("${\(name):?") == true, "\(name) must be required, not defaulted")
        }
        #expect(
            !written.values.contains { $0.contains(/whsec_[A-Za-z0-9+\/]/) },
            "a webhook secret is written in the compose file")
        let host = [
            "PARTNER_ABC_URL": "https://partner-abc.example/webhooks",
            "PARTNER_ABC_SECRET": "whsec_" + Data("compose-test-secret".utf8).base64EncodedString(),
        ]
        #expect(throws: ComposeVariableMissing(name: "PARTNER_ABC_SECRET")) {
            try written.mapValues { try Self.interpolate($0, from: ["PARTNER_ABC_URL": host["PARTNER_ABC_URL"]!]) }
        }
        let environment = try written.mapValues { try Self.interpolate($0, from: host) }

        let command = try #require(bridge["command"] as? [String])
        let configInImage = try #require(command.last)
        #expect(configInImage.hasPrefix("/app/config/"))
        let localConfig = repositoryRoot.appendingPathComponent(String(configInImage.dropFirst("/app/".count))).path
        let config = try BridgeConfiguration.load(path: localConfig, environment: environment)
        #expect(config.kafka.bootstrapServers == "kafka:29092")
        #expect(config.schemaRegistry.url?.value == "http://schema-registry:8081")
        #expect(config.tenants.compactMap(\.webhook).map(\.url) == [host["PARTNER_ABC_URL"]])
        #expect(config.admin.host == "0.0.0.0", "reachable through the published port")
        let ports = try #require(bridge["ports"] as? [String])
        #expect(
            ports == ["127.0.0.1:\(config.admin.port):\(config.admin.port)"], "published on the host's loopback only")
        // Without compose's ADMIN_LISTEN (a plain `docker run`), the same file keeps the admin surface on loopback.
        var plain = environment
        plain["ADMIN_LISTEN"] = nil
        #expect(try BridgeConfiguration.load(path: localConfig, environment: plain).admin.host == "127.0.0.1")
    }

    struct ComposeVariableMissing: Error, Equatable { let name: String }

    /// Compose's interpolation of `${NAME}` and `${NAME:?message}` (the forms the file uses).
    static func interpolate(_ value: String, from host: [String: String]) throws -> String {
        guard let match = value.wholeMatch(of: /\$\{([A-Za-z0-9_]+)(?::\?[^}]*)?\}/) else { return value }
        let name = String(match.1)
        guard let resolved = host[name], !resolved.isEmpty else { throw ComposeVariableMissing(name: name) }
        return resolved
    }

    @Test("the build stage gets every folder SwiftPM checks (all targets, tests and benchmarks included)")
    func buildContext() throws {
        let dockerfile = try String(contentsOf: repositoryRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(dockerfile.contains("COPY . ."))
        let ignored = try String(contentsOf: repositoryRoot.appendingPathComponent(".dockerignore"), encoding: .utf8)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let manifest = try String(contentsOf: repositoryRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        // Every custom target path, plus the default roots.
        var roots: Set<String> = ["Sources", "Tests", "Package.swift"]
        for match in manifest.matches(of: /path: "([^"\/]+)/) { roots.insert(String(match.1)) }
        for root in roots {
            #expect(
                !ignored.contains { $0 == root || $0 == root + "/" || $0 == "*" },
                "\(root) is kept out of the build context")
        }
        #expect(ignored.contains(".build*") && ignored.contains(".venv"), "build outputs and local tools stay out")
    }

    @Test("the image builds and runs on one distribution whose librdkafka is 2.3.0 or later, and checks it")
    func runtimeLibrdkafka() throws {
        let dockerfile = try String(contentsOf: repositoryRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let stages = dockerfile.matches(of: /(?m)^FROM ([^\s]+)/).map { String($0.1) }
        #expect(stages == ["swift:6.3-noble", "ubuntu:24.04"], "Swift's noble image builds; Ubuntu 24.04 (noble) runs")
        #expect(
            dockerfile.contains("dpkg --compare-versions \"$(dpkg-query -W -f='${Version}' librdkafka-dev)\" ge 2.3.0"))
        #expect(
            dockerfile.contains("$(cat /tmp/runtime-packages)"),
            "the runtime installs the packages of the libraries the binary links")
    }
}
