/// Why the service cannot be built from a configuration that loaded (what the loader cannot
/// check: it depends on the schema files).
public struct ApplicationError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// `bridge.schemaVersion` names a version of PaymentResponse that `schemas/` does not hold.
        case unknownSchemaVersion
        /// A TLS file of a webhook tenant is not a usable certificate or key (the key is named).
        case tlsFile
        /// The payment history's database cannot be opened under `state.directory`.
        case stateDirectory
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
