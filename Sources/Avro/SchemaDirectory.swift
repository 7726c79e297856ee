import Foundation

/// The schema versions kept in a directory (`schemas/`): `Name.avsc` is the current version of
/// `Name`; earlier versions are kept as `Name.v1.avsc`, `Name.v2.avsc`, … (oldest first).
public struct SchemaDirectory: Sendable {
    public struct Version: Sendable {
        public var file: String
        /// 1, 2, … for kept versions; `nil` for the current one.
        public var number: Int?
        public var text: String
    }

    /// Schema name → versions, oldest first, the current one last.
    public let schemas: [String: [Version]]

    public init(path: String) throws(AvroError) {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw AvroError(.invalidSchema, "cannot read schema directory \(path): \(error.localizedDescription)")
        }
        var grouped: [String: [Version]] = [:]
        for file in files.sorted() where file.hasSuffix(".avsc") {
            let stem = String(file.dropLast(5))
            let parts = stem.split(separator: ".")
            var name = stem
            var number: Int?
            if parts.count >= 2, let last = parts.last, last.first == "v", let n = Int(last.dropFirst()) {
                name = parts.dropLast().joined(separator: ".")
                number = n
            }
            guard let data = FileManager.default.contents(atPath: "\(path)/\(file)"),
                  let text = String(data: data, encoding: .utf8) else {
                throw AvroError(.invalidSchema, "cannot read \(path)/\(file)")
            }
            grouped[name, default: []].append(Version(file: file, number: number, text: text))
        }
        schemas = grouped.mapValues { versions in
            versions.sorted { ($0.number ?? Int.max) < ($1.number ?? Int.max) }
        }
    }

    /// The current (newest) text of each schema.
    public var current: [String: String] { schemas.compactMapValues { $0.last?.text } }

    public struct Finding: Sendable {
        public var schema: String
        public var file: String
        public var message: String
    }

    /// Checks that every schema parses, and that each version is compatible under `mode` with
    /// every earlier one (transitively: partners may still hold any older version).
    public func check(mode: CompatibilityMode) -> [Finding] {
        var findings: [Finding] = []
        for (name, versions) in schemas.sorted(by: { $0.key < $1.key }) {
            var parsed: [(Version, AvroType)] = []
            for version in versions {
                do throws(AvroError) {
                    _ = try AvroSchema(json: version.text)
                    parsed.append((version, try AvroType.parse(json: version.text)))
                } catch {
                    findings.append(Finding(schema: name, file: version.file, message: error.message))
                }
            }
            for (index, (version, type)) in parsed.enumerated() {
                for (older, olderType) in parsed[..<index] {
                    for problem in SchemaCompatibility.problems(evolving: olderType, to: type, mode: mode) {
                        findings.append(Finding(schema: name, file: version.file, message: "against \(older.file): \(problem)"))
                    }
                }
            }
        }
        return findings
    }
}
