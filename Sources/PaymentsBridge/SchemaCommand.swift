import ArgumentParser
import Avro

struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Schema tools.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check that the current schemas are compatible with every kept version; exit 1 on a break.",
            discussion: """
                Name.avsc is the current version of Name; earlier versions are kept as history/Name.v1.avsc, \
                history/Name.v2.avsc, … The current version is checked against every kept one. The default mode, \
                backward (Confluent's BACKWARD_TRANSITIVE), requires that the new schema reads data written with any \
                older one: consumers upgrade first. forward requires that readers still on an older version read new \
                data; full requires both. Whatever the mode, what the other direction would break is explained too.
                """)

        @Option(name: .long, help: "Directory holding the Avro schemas (kept versions in its history/ folder).")
        var dir: String = "schemas"

        @Option(name: .long, help: "backward, forward or full.")
        var mode: CompatibilityMode = .backward

        func run() async throws {
            let directory: SchemaDirectory
            do { directory = try SchemaDirectory(path: dir) } catch {
                print("error: \(error)")
                throw ExitCode(2)
            }
            guard !directory.schemas.isEmpty else {
                print("error: no .avsc files in \(dir)")
                throw ExitCode(2)
            }
            let findings = directory.check(mode: mode)
            // What the mode does not require, told so that nobody is surprised by it.
            let other: CompatibilityMode? = mode == .backward ? .forward : mode == .forward ? .backward : nil
            let notes = other.map(directory.check) ?? []
            for (name, versions) in directory.schemas.sorted(by: { $0.key < $1.key }) {
                let problems = findings.filter { $0.schema == name }
                let status = problems.isEmpty ? "ok" : "INCOMPATIBLE"
                print(
                    "\(name): current version against \(versions.count - 1) kept version(s), "
                        + "\(mode.rawValue) (transitive) compatibility: \(status)")
                for problem in problems { print("  \(problem.file): \(problem.message)") }
                let explained = notes.filter { $0.schema == name }
                if let other, !explained.isEmpty {
                    print(
                        "  not \(other.rawValue.uppercased()) compatible — "
                            + (other == .forward
                                ? "readers still on a kept version must upgrade before records of the current one reach them:"
                                : "the current version cannot read records of a kept version:"))
                    for note in explained { print("    \(note.file): \(note.message)") }
                }
            }
            if !findings.isEmpty { throw ExitCode(1) }
        }
    }
}

extension CompatibilityMode: ExpressibleByArgument {}
