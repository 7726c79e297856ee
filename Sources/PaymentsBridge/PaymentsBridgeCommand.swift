import ArgumentParser

@main
struct PaymentsBridgeCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "payments-bridge",
        abstract: "Turns internal payment events into partner-facing PaymentResponse records and signed webhooks.",
        version: version,
        subcommands: [RunCommand.self, SchemaCommand.self])
}
