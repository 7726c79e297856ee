/// Payment channels; the lower-cased name is the topic fragment.
public enum PaymentChannel: String, Sendable, CaseIterable {
    case web = "WEB"
    case mobile = "MOBILE"
    case partner = "PARTNER"
    case corporate = "CORPORATE"
    case branch = "BRANCH"
    case atm = "ATM"
    case
        ussd = "USSD"

    /// "web", "mobile", …: the lower-cased name (literals, so that naming a topic allocates nothing).
    public var topicFragment: String {
        switch self {
        case .web: "web"
        case .mobile: "mobile"
        case .partner: "partner"
        case .corporate: "corporate"
        case .branch: "branch"
        case .atm: "atm"
        case .ussd: "ussd"
        }
    }

    /// The channel whose topic fragment is `fragment` ("web", …), as in topic names and the configuration.
    public init?<S: StringProtocol>(topicFragment fragment: S) {
        guard let channel = Self.allCases.first(where: { $0.topicFragment == fragment }) else { return nil }
        self = channel
    }
}
