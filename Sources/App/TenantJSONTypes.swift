import Config
import Foundation

/// The JSON types of a tenant sent to the admin API. The configuration loader reads YAML, where
/// `16` and `"16"`, or `null` and a key left out, are the same; the API takes JSON as its OpenAPI
/// document describes it, so every key must have its JSON type, and none be null, before the
/// loader checks the values.
struct TenantJSONTypes: Decodable {
    struct Webhook: Decodable {
        var url: String?
        var secrets: [String]?
        var eventTypes: [String]?
        var maxInFlight: Int?
        var ratePerSecond: Double?
        var allowPrivateNetwork: Bool?
        var allowInsecureHttp: Bool?
        var headers: [String: String]?
        /// Every TLS and OAuth2 setting is a string (the loader rejects unknown keys).
        var tls: [String: String]?
        var oauth2: [String: String]?
    }

    var id: String?
    var channel: String?
    var delivery: String?
    var webhook: Webhook?
    var statusApi: StatusAPI?

    struct StatusAPI: Decodable {
        var keys: [String]?
    }

    /// What is wrong with the types of `json`, naming the key; nil when they are right, or when it
    /// is not a JSON object (the loader says so).
    static func problem(in json: String) -> ConfigurationError? {
        let data = Data(json.utf8)
        guard let object = try? JSONSerialization.jsonObject(with: data) else { return nil }
        if let key = nullKey(in: object, at: "") {
            return ConfigurationError(key: key, problem: "must not be null (leave the key out instead)")
        }
        do {
            _ = try JSONDecoder().decode(Self.self, from: data)
            return nil
        } catch {
            guard case .typeMismatch(let type, let context) = error as? DecodingError else { return nil }
            let key = context.codingPath.reduce("") { path, key in
                // A list's index (a key of `headers` may read as a number too, but is its own text).
                if let index = key.intValue, key.stringValue != String(index) { return "\(path)[\(index)]" }
                return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
            }
            return ConfigurationError(key: key, problem: "expected \(name(of: type))")
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "true or false"
        case is Int.Type: "a whole number"
        case is Double.Type: "a number"
        case is String.Type: "a string"
        case is [Any].Type: "a list"
        default: "a JSON object"
        }
    }

    /// The first key whose value is null.
    private static func nullKey(in value: Any, at path: String) -> String? {
        if value is NSNull { return path }
        if let object = value as? [String: Any] {
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if let found = nullKey(in: member, at: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
        }
        if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                if let found = nullKey(in: element, at: "\(path)[\(index)]") { return found }
            }
        }
        return nil
    }
}
