import App
import ArgumentParser
import DeadLetters
import Foundation
import Logging

struct DLTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlt",
        abstract:
            "Inspect and replay dead-letter topics (payments.events.DLT and payments.responses.<channel>.<tenant>.DLT).",
        subcommands: [List.self, Show.self, Replay.self])

    struct Common: ParsableArguments {
        @Option(name: .long, help: "Configuration file (YAML); its kafka section says where the cluster is.")
        var config: String = "config/bridge.yaml"

        @Option(name: .long, help: "The dead-letter topic.")
        var topic: String

        @Option(
            name: .long, help: "Directory holding the Avro schemas (to decode values when no registry is configured).")
        var schemas: String = "schemas"

        func tool() throws -> DeadLetterTool {
            let configuration = try loadConfiguration(path: config)
            var logger = Logger(label: "payments-bridge")
            logger.logLevel = .error
            do {
                return try DeadLetterTool(configuration: configuration, schemaDirectory: schemas, logger: logger)
            } catch {
                throw failed(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the records of a DLT: partition, offset, key, reason, HTTP status, attempts, age.")

        @OptionGroup var common: Common
        @Flag(name: .long, help: "One JSON object per line instead of a table.")
        var json = false
        @Option(name: .long, help: "Show at most this many records (the oldest first).")
        var limit: Int?

        func run() async throws {
            let tool = try common.tool()
            var entries: [DeadLetterEntry]
            do { entries = try await tool.entries(of: common.topic) } catch { throw failed(error) }
            if let limit { entries = Array(entries.prefix(max(0, limit))) }
            let listings = entries.map(DeadLetterListing.init)
            if json {
                for listing in listings { print(listing.jsonLine) }
            } else {
                print(DeadLetterListing.table(listings))
                print("\(entries.count) record(s)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one DLT record: every header and the value decoded (Avro rendered as JSON).")

        @OptionGroup var common: Common
        @Option(name: .long) var partition: Int32
        @Option(name: .long) var offset: Int64

        func run() async throws {
            let tool = try common.tool()
            let entry: DeadLetterEntry
            do { entry = try await tool.entry(of: common.topic, partition: partition, offset: offset) } catch {
                throw failed(error)
            }
            print(await tool.show(entry).json)
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Re-publish selected DLT records to their original topic (idempotent: a record is replayed once).",
            discussion:
                "Select with exactly one of --all, --key, --reason, --since with --until (when the records were "
                + "dead-lettered; ISO-8601 or unix milliseconds), or --partition with --from-offset and --to-offset.")

        @OptionGroup var common: Common
        @Flag(name: .long, help: "Every record.") var all = false
        @Option(name: .long, help: "Records with this key (paymentId).") var key: String?
        @Option(
            name: .long,
            help: "Records with this dlt.reason (\(DeadLetterReason.allCases.map(\.rawValue).joined(separator: ", ")))."
        )
        var reason: String?
        @Option(name: .long) var partition: Int32?
        @Option(name: .customLong("from-offset")) var fromOffset: Int64?
        @Option(name: .customLong("to-offset")) var toOffset: Int64?
        @Option(name: .long, help: "Dead-lettered from this time (included).") var since: String?
        @Option(name: .long, help: "Dead-lettered until this time (excluded).") var until: String?

        func validate() throws {
            let ranged = partition != nil || fromOffset != nil || toOffset != nil
            let timed = since != nil || until != nil
            let chosen = [all, key != nil, reason != nil, ranged, timed].filter { $0 }.count
            guard chosen == 1 else {
                throw ValidationError(
                    "choose exactly one of --all, --key, --reason, --since with --until, "
                        + "or --partition with --from-offset and --to-offset")
            }
            if timed {
                guard let since, let until, let from = parseTime(since), let to = parseTime(until), from < to else {
                    throw ValidationError(
                        "--since and --until go together: times (ISO-8601 or unix milliseconds), --since first")
                }
            }
            if ranged, partition == nil || fromOffset == nil || toOffset == nil {
                throw ValidationError("--partition, --from-offset and --to-offset go together")
            }
            if let reason, DeadLetterReason(rawValue: reason) == nil {
                throw ValidationError(
                    "unknown reason '\(reason)'; reasons: \(DeadLetterReason.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }

        func run() async throws {
            let selection: ReplaySelection =
                if all { .all } else if let key { .key(key) } else if let reason {
                    .reason(reason)
                } else if let since,
                    let until
                {
                    .window(since: parseTime(since)!, until: parseTime(until)!)
                } else {
                    .range(partition: partition!, from: fromOffset!, to: toOffset!)
                }
            let tool = try common.tool()
            do {
                let outcome = try await tool.replay(topic: common.topic, selection: selection) { done, total in
                    FileHandle.standardError.write(Data("\rreplayed \(done)/\(total)".utf8))
                }
                if outcome.published > 0 { FileHandle.standardError.write(Data("\n".utf8)) }
                print(
                    "selected \(outcome.selected), replayed \(outcome.published), already replayed before \(outcome.alreadyReplayed)"
                        + (outcome.refused.isEmpty ? "" : ", refused \(outcome.refused.count)"))
                guard outcome.refused.isEmpty else {
                    for refusal in outcome.refused {
                        FileHandle.standardError.write(Data("refused: \(refusal)\n".utf8))
                    }
                    throw ExitCode(1)
                }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw failed(error)
            }
        }
    }
}

/// Prints the error for the operator and exits non-zero.
