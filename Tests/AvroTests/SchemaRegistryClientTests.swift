import Avro
import Foundation
import Hummingbird
import NIOCore
import Synchronization
import TestSupport
import Testing

@Suite("Schema Registry client")
struct SchemaRegistryClientTests {
    @Test("registers under the subject, caches the id, and fetches schemas by id")
    func registerAndFetch() async throws {
        let fake = FakeConfluentRegistry()
        try await fake.serve { url in
            let client = SchemaRegistryClient(configuration: .init(url: url))
            let schema = try loadPaymentResponseSchema()
            let id = try await client.id(of: schema, subject: "payments.responses.partner.T1-value")
            #expect(try await client.id(of: schema, subject: "payments.responses.partner.T1-value") == id)
            #expect(fake.requests.load(ordering: .relaxed) == 1, "the second lookup is served from the cache")

            let fresh = SchemaRegistryClient(configuration: .init(url: url))
            #expect(try await fresh.schema(id: id).text == schema.text)
            let latest = try await fresh.latest(subject: "payments.responses.partner.T1-value")
            #expect(latest.id == id)
        }
    }

    @Test("an unavailable registry is retried with back-off until it answers")
    func retriesWhileUnavailable() async throws {
        let fake = FakeConfluentRegistry(failFirst: 2)
        try await fake.serve { url in
            var configuration = SchemaRegistryClient.Configuration(url: url)
            configuration.initialBackoff = .milliseconds(20)
            let client = SchemaRegistryClient(configuration: configuration)
            let id = try await client.id(of: try loadPaymentResponseSchema(), subject: "t-value")
            #expect(id == 1)
            #expect(fake.requests.load(ordering: .relaxed) == 3)
        }
    }

    @Test("a rejected schema fails at once with the registry's message")
    func rejected() async throws {
        let fake = FakeConfluentRegistry()
        try await fake.serve { url in
            let client = SchemaRegistryClient(configuration: .init(url: url))
            let error = await #expect(throws: SchemaRegistryError.self) {
                try await client.id(of: try loadPaymentResponseSchema(), subject: "incompatible-value")
            }
            #expect(error?.kind == .rejected)
            #expect(error?.status == 409)
            #expect(error?.message.contains("incompatible") == true)
            #expect(fake.requests.load(ordering: .relaxed) == 1)
        }
    }

    @Test("an unreachable registry is reported after the retry budget, with the address")
    func unreachable() async throws {
        // A port that was just bound and released: nothing listens there.
        var configuration = SchemaRegistryClient.Configuration(url: "http://127.0.0.1:\(try freeLoopbackPort())")
        configuration.retryBudget = .milliseconds(600)
        configuration.initialBackoff = .milliseconds(50)
        let client = SchemaRegistryClient(configuration: configuration)
        let started = ContinuousClock.now
        let error = await #expect(throws: SchemaRegistryError.self) {
            try await client.id(of: try loadPaymentResponseSchema(), subject: "t-value")
        }
        #expect(error?.kind == .unreachable)
        #expect(error?.message.contains("127.0.0.1") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("credentials in the URL are sent as Basic authentication and never appear in errors")
    func credentials() async throws {
        let fake = FakeConfluentRegistry()
        try await fake.serve { url in
            let withCredentials = url.replacingOccurrences(of: "http://", with: "http://bridge-user:registry-p%40ss@")
            let client = SchemaRegistryClient(configuration: .init(url: withCredentials))
            _ = try await client.id(of: try loadPaymentResponseSchema(), subject: "t-value")
            #expect(
                fake.authorization.withLock { $0 } == "Basic "
                    + Data("bridge-user:registry-p@ss".utf8).base64EncodedString())
        }
        var configuration = SchemaRegistryClient.Configuration(
            url: "http://bridge-user:registry-pass@127.0.0.1:\(try freeLoopbackPort())")
        configuration.retryBudget = .milliseconds(300)
        configuration.initialBackoff = .milliseconds(50)
        let error = await #expect(throws: SchemaRegistryError.self) {
            try await SchemaRegistryClient(configuration: configuration).id(
                of: try loadPaymentResponseSchema(), subject: "t-value")
        }
        #expect(error?.description.contains("127.0.0.1") == true)
        #expect(error?.description.contains("registry-pass") == false, "the password stays out of the message")
    }

    /// Passwords as written in the URL, and as the registry must receive them: an escape (`%41`,
    /// `%40`) is decoded once; a `%` that begins no escape, a space, `|`, `/`, `?` or `#` stands for
    /// itself; the last `@` ends the credentials, the first `:` the user.
    static let passwords: [(written: String, sent: String)] = [
        ("Secr%et", "Secr%et"), ("Secr%41et", "SecrAet"), ("Secr%2541et", "Secr%41et"), ("Secr%41%zz", "SecrA%zz"),
        ("Secr%", "Secr%"), ("Secr et", "Secr et"), ("Secr%20et", "Secr et"), ("Secr|et", "Secr|et"),
        ("Secr@et", "Secr@et"), ("Secr%40et", "Secr@et"), ("Secr:et", "Secr:et"), ("Secr%3Aet", "Secr:et"),
        ("Secr/et", "Secr/et"), ("Secr?et", "Secr?et"), ("Secr#et", "Secr#et"),
    ]

    @Test(
        "credentials with %, %41, space, |, @ and : are taken out of the URL once, decoded, and sent as Basic authentication",
        arguments: passwords)
    func awkwardCredentials(written: String, sent: String) async throws {
        let fake = FakeConfluentRegistry()
        try await fake.serve { url in
            let configuration = SchemaRegistryClient.Configuration(
                url: url.replacingOccurrences(of: "http://", with: "http://bridge-user:\(written)@") + "/")
            #expect(configuration.url == url, "no user information is left in the URL the client requests and reports")
            _ = try await SchemaRegistryClient(configuration: configuration).id(
                of: try loadPaymentResponseSchema(), subject: "t-value")
            let expected = "Basic " + Data("bridge-user:\(sent)".utf8).base64EncodedString()
            #expect(fake.authorization.withLock { $0 } == expected)
        }
    }

    @Test("credentials with %, %41, space, |, @ and : never appear in an error", arguments: passwords)
    func awkwardCredentialsStayOutOfErrors(written: String, sent: String) async throws {
        var configuration = SchemaRegistryClient.Configuration(
            url: "http://bridge-user:\(written)@127.0.0.1:\(try freeLoopbackPort())")
        configuration.retryBudget = .milliseconds(300)
        configuration.initialBackoff = .milliseconds(50)
        let error = await #expect(throws: SchemaRegistryError.self) {
            try await SchemaRegistryClient(configuration: configuration).id(
                of: try loadPaymentResponseSchema(), subject: "t-value")
        }
        #expect(error?.kind == .unreachable)
        #expect(error?.description.contains("127.0.0.1") == true)
        for leaked in ["Secr", "bridge-user", written, sent] {
            #expect(error?.description.contains(leaked) == false, "\(error?.description ?? "")")
        }
    }
}
