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
        #expect(environment["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] as? Int == 1, "transactions work on one broker")
    }

    @Test("the schema registry stores its schemas in that Kafka")
    func registry() throws {
        let services = try #require(try compose()["services"] as? [String: Any])
        let registry = try #require(services["schema-registry"] as? [String: Any])
        let environment = try #require(registry["environment"] as? [String: Any])
        #expect((environment["SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"] as? String)?.contains("kafka:29092") == true)
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
        #expect(dockerfileText.contains("COPY config"))
        #expect(dockerfileText.contains("librdkafka1") && dockerfileText.contains("libavro23"))

        let environment = try #require(bridge["environment"] as? [String: String])
        #expect(environment["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:29092")
        #expect(environment["SCHEMA_REGISTRY_URL"] == "http://schema-registry:8081")
        let command = try #require(bridge["command"] as? [String])
        let configInImage = try #require(command.last)
        #expect(configInImage.hasPrefix("/app/config/"))
        let localConfig = repositoryRoot.appendingPathComponent(String(configInImage.dropFirst("/app/".count))).path
        let config = try BridgeConfiguration.load(path: localConfig, environment: environment)
        #expect(config.kafka.bootstrapServers == "kafka:29092")
        #expect(config.schemaRegistry.url?.value == "http://schema-registry:8081")
        #expect(config.admin.host == "0.0.0.0", "reachable from outside the container")
        let ports = try #require(bridge["ports"] as? [String])
        #expect(ports.contains("127.0.0.1:\(config.admin.port):\(config.admin.port)"))
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
            #expect(!ignored.contains { $0 == root || $0 == root + "/" || $0 == "*" }, "\(root) is kept out of the build context")
        }
        #expect(ignored.contains(".build*") && ignored.contains(".venv"), "build outputs and local tools stay out")
    }
}
