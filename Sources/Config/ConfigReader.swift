import Foundation
import Timing
import Yams

/// Reads a YAML node tree key by key, tracking the path for error messages, substituting
/// `${VAR}` / `${VAR:-default}` in scalars, and rejecting keys nobody asked for (typos).
struct ConfigReader {
    let node: Node?
    let path: String
    /// The variables `${VAR}` may name; nil: values are taken literally (input from the admin
    /// API, which must not read the service's environment).
    let environment: [String: String]?

    init(node: Node?, path: String, environment: [String: String]?) {
        self.node = node
        self.path = path
        self.environment = environment
    }

    /// False for a missing key and for an explicit YAML null (`null`, `~`, empty).
    var isPresent: Bool {
        guard let node else { return false }
        if case .scalar(let scalar) = node, scalar.style == .plain,
            ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        {
            return false
        }
        return true
    }

    func error(_ problem: String) -> ConfigurationError { ConfigurationError(key: path, problem: problem) }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The keys of a mapping (empty when absent); fails if the node is not a mapping.
    func keys() throws(ConfigurationError) -> [String] {
        guard isPresent else { return [] }
        guard case .mapping(let mapping) = node! else { throw error("expected a mapping of keys") }
        return mapping.keys.compactMap(\.string)
    }

    subscript(_ key: String) -> ConfigReader {
        var child: Node?
        // By the key's text: `"0": x` (a string) and `0: x` (a number) both have the key "0".
        if case .mapping(let mapping)? = node { child = mapping.first { $0.key.string == key }?.value }
        return ConfigReader(node: child, path: childPath(key), environment: environment)
    }

    /// Fails on keys of this mapping that are not in `known`.
    func rejectUnknownKeys(_ known: Set<String>) throws(ConfigurationError) {
        for key in try keys() where !known.contains(key) {
            throw ConfigurationError(
                key: childPath(key), problem: "unknown key (known keys: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func elements() throws(ConfigurationError) -> [ConfigReader] {
        guard isPresent else { return [] }
        guard case .sequence(let sequence) = node! else { throw error("expected a list") }
        return sequence.enumerated().map { ConfigReader(node: $1, path: "\(path)[\($0)]", environment: environment) }
    }

    func string() throws(ConfigurationError) -> String? {
        guard isPresent else { return nil }
        guard case .scalar(let scalar) = node! else { throw error("expected a single value") }
        return try substitute(scalar.string)
    }

    func string(default value: String) throws(ConfigurationError) -> String {
        try string() ?? value
    }

    func bool(default value: Bool) throws(ConfigurationError) -> Bool {
        guard let text = try string() else { return value }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("expected true or false, got '\(text)'")
        }
    }

    func int(default value: Int, minimum: Int = Int.min, maximum: Int = Int.max) throws(ConfigurationError) -> Int {
        guard let text = try string() else { return value }
        guard let number = Int(text) else { throw error("expected a whole number, got '\(text)'") }
        guard number >= minimum else { throw error("must be at least \(minimum), got \(number)") }
        guard number <= maximum else { throw error("must be at most \(maximum), got \(number)") }
        return number
    }

    func double(
        default value: Double, minimumExclusive: Double, minimum: Double = -.infinity,
        maximum: Double = .infinity
    ) throws(ConfigurationError) -> Double {
        guard let text = try string() else { return value }
        guard let number = Double(text), number.isFinite else { throw error("expected a number, got '\(text)'") }
        guard number > minimumExclusive else { throw error("must be greater than \(minimumExclusive), got \(text)") }
        guard number >= minimum else { throw error("must be at least \(minimum), got \(text)") }
        guard number <= maximum else { throw error("must be at most \(maximum), got \(text)") }
        return number
    }

    func duration(default value: Duration) throws(ConfigurationError) -> Duration {
        guard let text = try string() else { return value }
        return try parseDuration(text)
    }

    func parseDuration(_ text: String) throws(ConfigurationError) -> Duration {
        try DurationText.parse(text, key: path)
    }

    func stringMap() throws(ConfigurationError) -> [String: String] {
        var result: [String: String] = [:]
        for key in try keys() {
            guard let value = try self[key].string() else { continue }
            result[key] = value
        }
        return result
    }

    /// Expands `${VAR}` and `${VAR:-default}`; an unset variable without a default is an error.
    func substitute(_ text: String) throws(ConfigurationError) -> String {
        guard let environment, text.contains("${") else { return text }
        var output = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw error("unterminated '${' in value")
            }
            let expression = rest[start.upperBound..<end]
            let parts = expression.split(separator: ":-", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw error("'${\(expression)}' is not a valid variable reference")
            }
            if let value = environment[name], !value.isEmpty {
                output += value
            } else if parts.count == 2 {
                output += parts[1]
            } else {
                throw error("environment variable \(name) is not set")
            }
            rest = rest[rest.index(after: end)...]
        }
        return output + rest
    }
}
