import ArgumentParser
import Demo
import Foundation
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Run the whole flow on the embedded broker with generated events and an in-process partner endpoint, then print a summary.",
        discussion: """
            Four tenants: TENANT-001 and TENANT-002 read their Kafka topics; PARTNER-ABC (completed and failed payments only) \
            and PARTNER-XYZ get webhooks. The partner endpoint checks every signature; PARTNER-XYZ fails the first attempt of \
            each completed payment (so it is retried) and refuses failed payments (so they are dead-lettered). Some events are \
            internal-only (skipped), malformed or for an unknown tenant (dead-lettered). No external servers are used.
            """)

    @Option(name: .long, help: "How many internal events to generate.")
    var events: Int = 2000

    @Option(name: .long, help: "Directory holding the Avro schemas.")
    var schemas: String = "schemas"

    @Option(name: .long, help: "Log level of the service while the demo runs (logs go to stderr).")
    var logLevel: Logger.Level = .critical

    func validate() throws {
        guard (1...1_000_000).contains(events) else { throw ValidationError("--events must be between 1 and 1000000") }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel)
        let interactive = isatty(STDOUT_FILENO) != 0
        let summary = try await Demo(events: events, logger: logger).run(schemaDirectory: schemas) { line in
            // Unbuffered: a progress line must show at once.
            FileHandle.standardOutput.write(Data((interactive ? "\r\u{1B}[2K" + line : line + "\n").utf8))
        }
        if interactive { print("") }
        print("")
        print(summary.table)
    }
}
