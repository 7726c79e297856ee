import Foundation

/// URLs of the configuration as messages may show them, and as the registry client reads them.
enum URLText {
    /// `url` without its user information: whatever lies between `://` and the last `@`, which is
    /// how the schema registry client takes credentials out (a registry's address has no `@` of
    /// its own).
    static func withoutUserInfo(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        let start = url.range(of: "://").map { $0.upperBound <= at ? $0.upperBound : url.startIndex } ?? url.startIndex
        return String(url[..<start] + url[url.index(after: at)...])
    }

    /// `url` for a message: without user information, query or fragment (they may hold
    /// credentials or tokens). When an `@` follows the first `?` or `#` and none precedes it, the
    /// part before could be user information holding one of them: only the scheme is shown.
    static func redacted(_ url: String) -> String {
        let head = url[..<(url.firstIndex { $0 == "?" || $0 == "#" } ?? url.endIndex)]
        guard head.contains("@") || !url[head.endIndex...].contains("@") else {
            return (head.range(of: "://").map { String(head[..<$0.upperBound]) } ?? "") + "…"
        }
        return withoutUserInfo(String(head))
    }
}
