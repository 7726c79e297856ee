import Digest

/// Who is calling the admin API: the `Authorization: Bearer <token>` header checked against the
/// configured tokens. Every comparison takes the same time whatever the token and however much
/// of it matches (both sides are hashed to SHA-256 first, and every configured token is
/// compared in full), so timing tells nothing about a token.
public struct AdminAuthenticator: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The caller's name (for the audit trail).
        case caller(String)
        /// No `Authorization: Bearer …` header.
        case missing
        /// A bearer token that is not one of the configured ones.
        case refused
        /// No tokens are configured: the admin API is off.
        case disabled
    }

    private let callers: [(name: String, digest: [UInt8])]

    /// `tokens`: each caller's name and token.
    public init(tokens: [(name: String, token: String)]) {
        callers = tokens.map { ($0.name, Digest.sha256(Array($0.token.utf8))) }
    }

    public var isEnabled: Bool { !callers.isEmpty }

    public func authenticate(authorization: String?) -> Outcome {
        guard isEnabled else { return .disabled }
        guard let authorization, authorization.count > 7,
            authorization.prefix(7).lowercased() == "bearer "
        else { return .missing }
        let presented = Digest.sha256(Array(authorization.dropFirst(7).utf8))
        var found: String?
        for caller in callers where Digest.constantTimeEqual(caller.digest, presented) && found == nil {
            found = caller.name
        }
        return found.map(Outcome.caller) ?? .refused
    }
}
