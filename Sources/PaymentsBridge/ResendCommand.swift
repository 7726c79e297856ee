import App
import ArgumentParser
import Config
import DeadLetters
import Foundation
import Logging
import Timing

struct ResendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resend",
        abstract:
            "Send a webhook tenant's records of a time window again, with their original webhook-id, in per-payment "
            + "order; a record is resent once (a second identical resend sends nothing).",
        discussion:
            "TIME is ISO-8601 (2026-12-05T02:00:00Z) or unix milliseconds. The records are copied to the end of "
            + "their own topic (header resend.from), where the running sink delivers them.")

    @Option(name: .long, help: "Configuration file (YAML); its kafka section says where the cluster is.")
    var config: String = "config/bridge.yaml"

    @Option(name: .long, help: "The tenant id.") var tenant: String
    @Option(name: .long, help: "From this time (included).") var since: String
    @Option(name: .long, help: "Until this time (excluded).") var until: String
    @Flag(name: .long, help: "Say what would be resent; send nothing.") var dryRun = false

    func validate() throws {
        guard let from = parseTime(since) else {
            throw ValidationError("--since: expected ISO-8601 or unix milliseconds")
        }
        guard let to = parseTime(until) else {
            throw ValidationError("--until: expected ISO-8601 or unix milliseconds")
        }
        guard from < to else { throw ValidationError("--since must be before --until") }
    }

    func run() async throws {
        let configuration = try loadConfiguration(path: config)
        if let listed = configuration.tenants.first(where: { $0.id == tenant }), listed.delivery != .webhook {
            throw failed(
                ValidationError(
                    "tenant \(tenant) reads its Kafka topic: it can read the window again itself (resend is for webhook tenants)"
                ))
        }
        var logger = Logger(label: "payments-bridge")
        logger.logLevel = .error
        do {
            let resend = try ResponseResend(configuration: configuration, logger: logger)
            let outcome = try await resend.run(
                tenant: tenant, since: parseTime(since)!, until: parseTime(until)!, dryRun: dryRun
            ) { done, total in
                FileHandle.standardError.write(Data("\rresent \(done)/\(total)".utf8))
            }
            if outcome.published > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
            for (partition, range) in outcome.ranges.sorted(by: { $0.key < $1.key }) {
                print("\(partition): offsets \(range.lowerBound)…\(range.upperBound)")
            }
            print(
                dryRun
                    ? "selected \(outcome.selected) (dry run: nothing sent)"
                    : "selected \(outcome.selected), resent \(outcome.published), already resent before \(outcome.alreadyResent)"
            )
        } catch {
            throw failed(error)
        }
    }
}

/// ISO-8601 (`2026-12-05T02:00:00Z`, with or without milliseconds) or unix milliseconds.
func parseTime(_ text: String) -> Int64? {
    if let milliseconds = Int64(text) { return milliseconds }
    return ISO8601.date(text)?.millisecondsSince1970
}
