import Admin
import ArgumentParser
import Config
import Foundation
import PaymentHistory

struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract:
            "Show what was sent about a payment, to whom and when: its response records, webhook attempts and "
            + "dead letters, from a running service's payment history (token from PAYMENTS_BRIDGE_ADMIN_TOKEN).")

    @Argument(help: "The payment id.") var paymentId: String

    @Option(name: .long, help: "The service's configuration file (its admin.listen is called).")
    var config: String?

    @Option(name: .long, help: "The admin API's base URL (instead of the one --config names).")
    var admin: String?

    @Option(name: .long, help: "table or json.")
    var output: TenantsCommand.Output = .table

    func run() async throws {
        let client = AdminClient(
            baseURL: try baseURL(), token: ProcessInfo.processInfo.environment["PAYMENTS_BRIDGE_ADMIN_TOKEN"])
        let trace: TraceDocument
        do { trace = try await client.payment(paymentId, as: TraceDocument.self) } catch { throw failed(error) }
        switch output {
        case .json: print(json(trace))
        case .table: print(Self.table(trace))
        }
    }

    private func baseURL() throws -> String {
        if let admin { return admin }
        guard let config else { return "http://127.0.0.1:8088" }
        let settings = try loadConfiguration(path: config).admin
        // A service listening on every address is called on loopback.
        let host = ["0.0.0.0", "::"].contains(settings.host) ? "127.0.0.1" : settings.host
        return host.contains(":") ? "http://[\(host)]:\(settings.port)" : "http://\(host):\(settings.port)"
    }

    static func table(_ trace: TraceDocument) -> String {
        var sections = ["Payment \(trace.paymentId)"]
        sections.append(
            "Response records\n"
                + columns(
                    [["TIME", "TENANT", "EVENT", "STATUS", "TOPIC", "PARTITION", "OFFSET"]]
                        + trace.records.map {
                            [
                                $0.timestamp, $0.tenant, $0.eventType, $0.status, $0.topic, String($0.partition),
                                String($0.offset),
                            ]
                        }))
        sections.append(
            "Webhook attempts\n"
                + columns(
                    [["SENT", "TENANT", "ATTEMPT", "OUTCOME", "HTTP", "MS", "ERROR", "OFFSET"]]
                        + trace.attempts.map {
                            [
                                $0.sentAt, $0.tenant, String($0.attempt), $0.outcome,
                                $0.httpStatus.map(String.init) ?? "-",
                                String($0.durationMs), $0.error ?? "-", String($0.offset),
                            ]
                        }))
        sections.append(
            "Dead letters\n"
                + columns(
                    [["AT", "TENANT", "REASON", "HTTP", "ATTEMPTS", "ERROR", "ORIGINAL OFFSET"]]
                        + trace.deadLetters.map {
                            [
                                $0.at ?? "-", $0.tenant, $0.reason, $0.httpStatus.map(String.init) ?? "-",
                                $0.attempts.map(String.init) ?? "-", $0.error ?? "-",
                                $0.originalOffset.map(String.init) ?? "-",
                            ]
                        }))
        return sections.joined(separator: "\n\n")
    }
}
