import App
import ArgumentParser

@main
struct PaymentsBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments-bridge",
        abstract: "Turns internal payment events into partner-facing PaymentResponse records and signed webhooks.",
        version: BridgeApplication.version,
        subcommands: [
            RunCommand.self, DemoCommand.self, DLTCommand.self, TenantsCommand.self, TraceCommand.self,
            ResendCommand.self,
            SchemaCommand.self,
        ])
}
