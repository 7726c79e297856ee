import Admin
import ArgumentParser
import Config
import Foundation
import PaymentHistory

struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract:
            "Show and change the tenants of a running service through its admin API (token from "
            + "PAYMENTS_BRIDGE_ADMIN_TOKEN).",
        subcommands: [
            List.self, Show.self, Apply.self, Delete.self, RotateSecret.self, StateChange<Pause>.self,
            StateChange<Resume>.self, StateChange<Enable>.self, StateChange<RetryNow>.self,
        ])

    enum Output: String, ExpressibleByArgument, CaseIterable { case table, json }

    struct Common: ParsableArguments {
        @Option(name: .long, help: "The admin API's base URL.")
        var admin: String = "http://127.0.0.1:8088"

        @Option(name: .long, help: "table or json.")
        var output: Output = .table

        var client: AdminClient {
            AdminClient(baseURL: admin, token: ProcessInfo.processInfo.environment["PAYMENTS_BRIDGE_ADMIN_TOKEN"])
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the tenants: id, channel, delivery, URL, signing secrets, state, managed by.")
        @OptionGroup var common: Common

        func run() async throws {
            let tenants: [TenantView]
            do { tenants = try await common.client.tenants() } catch { throw failed(error) }
            switch common.output {
            case .json: print(json(["tenants": tenants]))
            case .table: print(table(tenants))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one tenant's settings (never its secrets).")
        @OptionGroup var common: Common
        @Argument(help: "The tenant id.") var id: String

        func run() async throws {
            let tenant: TenantView
            do { tenant = try await common.client.tenant(id) } catch { throw failed(error) }
            print(json(tenant))
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace a tenant of the control plane from a file: one tenants[] entry, YAML or JSON.",
            discussion:
                "The files its webhook.tls names (caBundle, clientCertificate, clientKey) are read here and sent as "
                + "PEM text (caBundlePem, clientCertificatePem, clientKeyPem): apply the file again after renewing a "
                + "certificate.")
        @OptionGroup var common: Common
        @Option(name: .shortAndLong, help: "The tenant's file.") var file: String

        func run() async throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw failed(ValidationError("cannot read \(file)"))
            }
            // Checked here as the service will check it, so that mistakes show before any call.
            var tenant: BridgeConfiguration.Tenant
            do { tenant = try BridgeConfiguration.tenant(json: text) } catch { throw failed(error) }
            if let tls = tenant.webhook?.tls {
                do { tenant.webhook?.tls = try Self.readingFiles(tls) } catch { throw failed(error) }
            }
            let body =
                (try? JSONSerialization.data(withJSONObject: tenant.document { $0 }, options: [.sortedKeys])) ?? Data()
            do {
                let (shown, created) = try await common.client.put(tenant.id, json: Array(body))
                print("\(created ? "created" : "replaced") tenant \(shown.id)")
            } catch {
                throw failed(error)
            }
        }

        /// The TLS settings with the files they name read into PEM text: a path means nothing to
        /// the service's instances.
        static func readingFiles(_ tls: BridgeConfiguration.TLS) throws -> BridgeConfiguration.TLS {
            func read(_ path: String, _ key: String) throws -> String {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ConfigurationError(key: "webhook.tls.\(key)", problem: "cannot read the file '\(path)'")
                }
                return text
            }
            var sent = tls
            if let path = tls.caBundle { sent.caBundlePEM = try read(path, "caBundle") }
            if let path = tls.clientCertificate { sent.clientCertificatePEM = try read(path, "clientCertificate") }
            if let path = tls.clientKey { sent.clientKeyPEM = Secret(try read(path, "clientKey")) }
            (sent.caBundle, sent.clientCertificate, sent.clientKey) = (nil, nil, nil)
            return sent
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a tenant of the control plane.")
        @OptionGroup var common: Common
        @Argument(help: "The tenant id.") var id: String

        func run() async throws {
            do { try await common.client.delete(id) } catch { throw failed(error) }
            print("deleted tenant \(id)")
        }
    }
}

extension TenantsCommand {
    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract:
                "Replace a webhook tenant's signing secret; the replaced one keeps signing for the overlap. The new "
                + "secret is printed once.")
        @OptionGroup var common: Common
        @Argument(help: "The tenant id.") var id: String
        @Option(help: "The new secret (whsec_ and base64); generated when left out.") var secret: String?
        @Option(help: "How long the replaced secret keeps signing (e.g. 24h, 30m, 0s).") var overlap: String = "24h"

        func run() async throws {
            let rotation: SecretRotation
            do { rotation = try await common.client.rotateSecret(id, secret: secret, overlap: overlap) } catch {
                throw failed(error)
            }
            switch common.output {
            case .json: print(json(rotation))
            case .table:
                print("rotated the webhook secret of tenant \(rotation.tenant.id)")
                print("new secret (shown only now, store it with the partner): \(rotation.secret)")
                for retiring in rotation.tenant.webhook?.retiringSecrets ?? [] {
                    print("a replaced secret signs too until \(retiring.until)")
                }
            }
        }
    }

    enum Pause: ActionChoice { static let action = TenantAction.pause }
    enum Resume: ActionChoice { static let action = TenantAction.resume }
    enum Enable: ActionChoice { static let action = TenantAction.enable }
    enum RetryNow: ActionChoice { static let action = TenantAction.retryNow }
}

/// Which action a `StateChange` command asks for.
protocol ActionChoice {
    static var action: TenantAction { get }
}

/// `tenants pause|resume|enable|retry-now ID`: changes one tenant's operational state.
struct StateChange<Choice: ActionChoice>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let abstract =
            switch Choice.action {
            case .pause: "Pause a tenant's webhook delivery: its records wait in Kafka until resume."
            case .resume: "Resume a paused tenant's delivery, in order, from the records that waited."
            case .enable: "Re-enable delivery to a tenant's endpoint after a 410 or a block."
            case .retryNow: "Make a tenant's pending retries due now, in their order."
            }
        return CommandConfiguration(commandName: Choice.action.rawValue, abstract: abstract)
    }

    @OptionGroup var common: TenantsCommand.Common
    @Argument(help: "The tenant id.") var id: String

    func run() async throws {
        let tenant: TenantView
        do { tenant = try await common.client.act(Choice.action, id) } catch { throw failed(error) }
        let done =
            switch Choice.action {
            case .pause: "paused tenant"
            case .resume: "resumed tenant"
            case .enable: "enabled delivery to tenant"
            case .retryNow: "made the pending retries due now for tenant"
            }
        switch common.output {
        case .json: print(json(tenant))
        case .table: print("\(done) \(tenant.id)\n\n" + table([tenant]))
        }
    }
}

/// What a tenant's delivery does now: active, paused, disabled (and why).
private func state(_ tenant: TenantView) -> String {
    var states: [String] = []
    if tenant.paused { states.append("paused") }
    if let reason = tenant.disabledReason { states.append("disabled: \(reason)") }
    return states.isEmpty ? "active" : states.joined(separator: ", ")
}

/// The tenants as a table for a terminal.
private func table(_ tenants: [TenantView]) -> String {
    var rows = [["ID", "CHANNEL", "DELIVERY", "URL", "SECRETS", "STATE", "MANAGED BY"]]
    for tenant in tenants {
        rows.append([
            tenant.id, tenant.channel, tenant.delivery, tenant.webhook?.url ?? "-",
            tenant.webhook.map { String($0.secretCount + $0.retiringSecrets.count) } ?? "-", state(tenant),
            tenant.managedBy,
        ])
    }
    return TextTable.render(rows)
}
