import Foundation

/// The schema versions kept in a directory (`schemas/`): `Name.avsc` is the current version of
/// `Name`; earlier versions are kept in its `history/` folder as `Name.v1.avsc`, `Name.v2.avsc`, …
/// (oldest first). The current version's number is one more than the newest kept one.
public struct SchemaDirectory: Sendable {
    public struct Version: Sendable {
        /// The file's path relative to the directory (`history/Name.v1.avsc`, `Name.avsc`).
        public var file: String
        /// 1, 2, … for kept versions; `nil` for the current one.
        public var number: Int?
        public var text: String
    }

    /// Where earlier versions are kept, inside the directory.
    public static let historyFolder = "history"

    /// Schema name → versions, oldest first, the current one last.
    public let schemas: [String: [Version]]

    public init(path: String) throws(AvroError) {
        var grouped: [String: [Version]] = [:]
        for folder in ["", Self.historyFolder] {
            let folderPath = folder.isEmpty ? path : "\(path)/\(folder)"
            var isDirectory: ObjCBool = false
            if !folder.isEmpty,
                !FileManager.default.fileExists(atPath: folderPath, isDirectory: &isDirectory) || !isDirectory.boolValue
            {
                continue
            }
            let files: [String]
            do { files = try FileManager.default.contentsOfDirectory(atPath: folderPath) } catch {
                throw AvroError(
                    .invalidSchema, "cannot read schema directory \(folderPath): \(error.localizedDescription)")
            }
            for file in files.sorted() where file.hasSuffix(".avsc") {
                let stem = String(file.dropLast(5))
                let parts = stem.split(separator: ".")
                var name = stem
                var number: Int?
                if parts.count >= 2, let last = parts.last, last.first == "v", let n = Int(last.dropFirst()) {
                    name = parts.dropLast().joined(separator: ".")
                    number = n
                }
                let relative = folder.isEmpty ? file : "\(folder)/\(file)"
                guard number != nil || folder.isEmpty else {
                    throw AvroError(.invalidSchema, "\(path)/\(relative): a kept version is named Name.vN.avsc")
                }
                guard let data = FileManager.default.contents(atPath: "\(path)/\(relative)"),
                    let text = String(data: data, encoding: .utf8)
                else {
                    throw AvroError(.invalidSchema, "cannot read \(path)/\(relative)")
                }
                grouped[name, default: []].append(Version(file: relative, number: number, text: text))
            }
        }
        schemas = grouped.mapValues { versions in
            versions.sorted { ($0.number ?? Int.max) < ($1.number ?? Int.max) }
        }
    }

    /// The current (newest) text of each schema.
    public var current: [String: String] { schemas.compactMapValues { $0.last?.text } }

    /// Every version of `name`, numbered 1, 2, …: the kept ones with their numbers, the current
    /// one after the newest of them.
    public func numberedVersions(of name: String) -> [(number: Int, text: String)] {
        var numbered: [(number: Int, text: String)] = []
        for version in schemas[name] ?? [] {
            numbered.append((version.number ?? (numbered.last?.number ?? 0) + 1, version.text))
        }
        return numbered
    }

    public struct Finding: Sendable {
        public var schema: String
        public var file: String
        public var message: String
    }

    /// Checks that every schema parses, and that the current version of each is compatible under
    /// `mode` with every kept version (transitively, as Confluent's `*_TRANSITIVE` levels: partners
    /// may still hold any older version).
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
            guard let (current, currentType) = parsed.last, current.number == nil else { continue }
            for (older, olderType) in parsed.dropLast() {
                for problem in SchemaCompatibility.problems(evolving: olderType, to: currentType, mode: mode) {
                    findings.append(
                        Finding(schema: name, file: current.file, message: "against \(older.file): \(problem)"))
                }
            }
        }
        return findings
    }
}
