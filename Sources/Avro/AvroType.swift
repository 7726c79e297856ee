import Foundation

/// A schema's structure, parsed in Swift, for compatibility checks and field mapping.
public indirect enum AvroType: Sendable, Equatable {
    case null, boolean, int, long, float, double, bytes, string
    case record(name: String, fields: [AvroFieldType])
    case enumeration(name: String, symbols: [String], defaultSymbol: String?)
    case array(AvroType)
    case map(AvroType)
    case union([AvroType])
    case fixed(name: String, size: Int)

    /// A short name for messages: the primitive name or the named type's name.
    public var displayName: String {
        switch self {
        case .null: "null"
        case .boolean: "boolean"
        case .int: "int"
        case .long: "long"
        case .float: "float"
        case .double: "double"
        case .bytes: "bytes"
        case .string: "string"
        case .record(let name, _), .fixed(let name, _): name
        case .enumeration(let name, _, _): "enum \(name)"
        case .array(let items): "array<\(items.displayName)>"
        case .map(let values): "map<\(values.displayName)>"
        case .union(let branches): "[" + branches.map(\.displayName).joined(separator: ",") + "]"
        }
    }
}

public struct AvroFieldType: Sendable, Equatable {
    public var name: String
    public var type: AvroType
    public var hasDefault: Bool
    public var aliases: [String]
    public var doc: String?
}

extension AvroType {
    /// Parses schema JSON text into its structure (named types may be referenced after definition).
    public static func parse(json text: String) throws(AvroError) -> AvroType {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw AvroError(.invalidSchema, "not valid JSON: \(error.localizedDescription)")
        }
        var names: [String: AvroType] = [:]
        return try parse(object, namespace: nil, names: &names)
    }

    private static func parse(_ node: Any, namespace: String?, names: inout [String: AvroType]) throws(AvroError)
        -> AvroType
    {
        if let name = node as? String {
            switch name {
            case "null": return .null
            case "boolean": return .boolean
            case "int": return .int
            case "long": return .long
            case "float": return .float
            case "double": return .double
            case "bytes": return .bytes
            case "string": return .string
            default:
                let full = name.contains(".") ? name : [namespace, name].compactMap { $0 }.joined(separator: ".")
                guard let named = names[full] ?? names[name] else {
                    throw AvroError(.invalidSchema, "unknown type '\(name)'")
                }
                return named
            }
        }
        if let branches = node as? [Any] {
            var parsed: [AvroType] = []
            for branch in branches { parsed.append(try parse(branch, namespace: namespace, names: &names)) }
            return .union(parsed)
        }
        guard let object = node as? [String: Any], let type = object["type"] else {
            throw AvroError(.invalidSchema, "a schema must be a name, a union or an object with a 'type'")
        }
        let name = object["name"] as? String
        let ns = (object["namespace"] as? String) ?? namespace
        let fullName = name.map { $0.contains(".") ? $0 : [ns, $0].compactMap { $0 }.joined(separator: ".") }
        switch type as? String {
        case "record", "error":
            guard let fullName, let fields = object["fields"] as? [[String: Any]] else {
                throw AvroError(.invalidSchema, "a record needs a name and fields")
            }
            names[fullName] = .record(name: fullName, fields: [])  // allows recursive references
            var parsed: [AvroFieldType] = []
            for field in fields {
                guard let fieldName = field["name"] as? String, let fieldType = field["type"] else {
                    throw AvroError(.invalidSchema, "record \(fullName): a field needs a name and a type")
                }
                parsed.append(
                    AvroFieldType(
                        name: fieldName,
                        type: try parse(fieldType, namespace: ns, names: &names),
                        hasDefault: field.keys.contains("default"),
                        aliases: field["aliases"] as? [String] ?? [],
                        doc: field["doc"] as? String))
            }
            let record = AvroType.record(name: fullName, fields: parsed)
            names[fullName] = record
            return record
        case "enum":
            guard let fullName, let symbols = object["symbols"] as? [String] else {
                throw AvroError(.invalidSchema, "an enum needs a name and symbols")
            }
            let result = AvroType.enumeration(
                name: fullName, symbols: symbols, defaultSymbol: object["default"] as? String)
            names[fullName] = result
            return result
        case "fixed":
            guard let fullName, let size = object["size"] as? Int else {
                throw AvroError(.invalidSchema, "a fixed needs a name and a size")
            }
            names[fullName] = .fixed(name: fullName, size: size)
            return .fixed(name: fullName, size: size)
        case "array":
            guard let items = object["items"] else { throw AvroError(.invalidSchema, "an array needs items") }
            return .array(try parse(items, namespace: ns, names: &names))
        case "map":
            guard let values = object["values"] else { throw AvroError(.invalidSchema, "a map needs values") }
            return .map(try parse(values, namespace: ns, names: &names))
        default:
            // {"type": "long", "logicalType": ...} and other annotated primitives.
            return try parse(type, namespace: ns, names: &names)
        }
    }
}
