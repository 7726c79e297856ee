/// A webhook endpoint's settings that cannot be used (the service refuses to start).
public struct EndpointError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The URL is not absolute (no scheme or host).
        case notAbsolute
        /// Plain http without `allowInsecureHttp`.
        case insecure
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
