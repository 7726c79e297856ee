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
            abstract: "Check that the schema versions in the schema directory are compatible; exit 1 on a break.",
            discussion: """
            Name.avsc is the current version of Name; earlier versions are kept as Name.v1.avsc, Name.v2.avsc, …
            Every version is checked against every earlier one. The default mode, full, requires BACKWARD
            (the new schema reads old data) and FORWARD (readers still on an old version read new data).
            """)

        @Option(name: .long, help: "Directory holding the Avro schemas.")
        var dir: String = "schemas"

        @Option(name: .long, help: "backward, forward or full.")
        var mode: CompatibilityMode = .full

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
            for (name, versions) in directory.schemas.sorted(by: { $0.key < $1.key }) {
                let problems = findings.filter { $0.schema == name }
                let status = problems.isEmpty ? "ok" : "INCOMPATIBLE"
                print("\(name): \(versions.count) version(s), \(mode.rawValue) compatibility: \(status)")
                for problem in problems { print("  \(problem.file): \(problem.message)") }
            }
            if !findings.isEmpty { throw ExitCode(1) }
        }
    }
}

extension CompatibilityMode: ExpressibleByArgument {}
