import Foundation

/// The Python partner protecting its endpoint with OAuth2 client credentials
/// (`Tests/interop/oauth2_partner.py`) on a loopback port: `POST /token` issues tokens living
/// `lifetime` seconds to the client `clientID`/`clientSecret`, `POST /hooks` wants one. Its log of
/// requests, and its control files (`set("revoke")`, `set("reject")`, `set("down")`).
public final class OAuth2Partner: @unchecked Sendable {  // server is only touched by init and stop
    public let port: Int
    public let scratch: URL
    private var server: InteropServer?

    public init(clientID: String = "payments-bridge", clientSecret: String, lifetime: Double) throws {
        port = try freeLoopbackPort()
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("oauth2-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        server = try InteropServer(
            script: "oauth2_partner.py",
            arguments: [
                "--port", "\(port)", "--client-id", clientID, "--client-secret", clientSecret,
                "--lifetime", "\(lifetime)", "--log", file("log").path, "--revoke-once", file("revoke").path,
                "--reject-all", file("reject").path, "--token-down", file("down").path,
            ],
            port: port)
    }

    public func stop() { server?.stop() }

    public func file(_ name: String) -> URL { scratch.appendingPathComponent(name) }
    public func set(_ name: String) { FileManager.default.createFile(atPath: file(name).path, contents: nil) }
    public func clear(_ name: String) { try? FileManager.default.removeItem(at: file(name)) }

    /// Every request so far, as the partner logged it (`path`, `status`, `token`, …).
    public var requests: [[String: Any]] {
        let text = (try? String(contentsOf: file("log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
    public var tokenRequests: Int { requests.filter { $0["path"] as? String == "/token" }.count }
    public var hooks: [[String: Any]] { requests.filter { $0["path"] as? String == "/hooks" } }
}
