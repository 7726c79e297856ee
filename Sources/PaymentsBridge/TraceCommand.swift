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
        case .table: print(trace.table)
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
}
