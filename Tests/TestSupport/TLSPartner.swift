import Foundation

/// Certificates made for one test with the `openssl` command: a test CA, a server certificate
/// for 127.0.0.1 signed by it, a client certificate signed by it (its key also encrypted with
/// `passphrase`), and a client certificate of another CA that the server does not trust.
public struct TestCertificates: Sendable {
    public let directory: URL
    public let passphrase = "client-key-passphrase-do-not-log"

    public var caCertificate: String { path("ca.pem") }
    public var serverCertificate: String { path("server.pem") }
    public var serverKey: String { path("server.key") }
    public var clientCertificate: String { path("client.pem") }
    public var clientKey: String { path("client.key") }
    public var encryptedClientKey: String { path("client-encrypted.key") }
    public var rogueCertificate: String { path("rogue-client.pem") }
    public var rogueKey: String { path("rogue-client.key") }

    public init(clientDays: Int = 30) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try makeCA("ca", subject: "/CN=payments-bridge test CA")
        try makeCA("rogue-ca", subject: "/CN=some other CA")
        try makeLeaf("server", ca: "ca", subject: "/CN=127.0.0.1", days: 30, extensions: "subjectAltName=IP:127.0.0.1")
        try makeLeaf("client", ca: "ca", subject: "/CN=payments-bridge", days: clientDays)
        try makeLeaf("rogue-client", ca: "rogue-ca", subject: "/CN=impostor", days: 30)
        try openssl([
            "pkey", "-in", clientKey, "-aes256", "-passout", "pass:\(passphrase)", "-out", encryptedClientKey,
        ])
    }

    /// A `webhook.tls` entry of the service configuration (flow style): the test CA trusted, the
    /// client certificate with its encrypted key, and the passphrase as given (e.g. `${VAR}`).
    public func tlsYAML(passphrase: String) -> String {
        "{caBundle: \"\(caCertificate)\", clientCertificate: \"\(clientCertificate)\", "
            + "clientKey: \"\(encryptedClientKey)\", clientKeyPassphrase: \"\(passphrase)\"}"
    }

    /// Another client certificate with the same CA and key (a renewal), valid `days` days.
    public func renewClientCertificate(days: Int) throws {
        try openssl([
            "req", "-new", "-key", clientKey, "-subj", "/CN=payments-bridge renewed", "-out", path("client.csr"),
        ])
        try openssl([
            "x509", "-req", "-in", path("client.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-days", "\(days)", "-out", clientCertificate,
        ])
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func makeCA(_ name: String, subject: String) throws {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            path("\(name).key"), "-out", path("\(name).pem"), "-days", "30", "-subj", subject,
        ])
    }

    private func makeLeaf(_ name: String, ca: String, subject: String, days: Int, extensions: String? = nil) throws {
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("\(name).key"),
            "-out", path("\(name).csr"), "-subj", subject,
        ])
        var sign = [
            "x509", "-req", "-in", path("\(name).csr"), "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
            "-CAcreateserial", "-days", "\(days)", "-out", path("\(name).pem"),
        ]
        if let extensions {
            let file = path("\(name).ext")
            try extensions.write(toFile: file, atomically: true, encoding: .utf8)
            sign += ["-extfile", file]
        }
        try openssl(sign)
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TLSPartnerError("openssl \(arguments.first ?? "") failed (\(process.terminationStatus))")
        }
    }
}

/// nginx on a loopback port serving HTTPS with the test CA's server certificate. With
/// `verifyClients`, it asks for a client certificate and accepts only those the test CA signed
/// (`ssl_verify_client on`); every request is logged with the client certificate's verdict and
/// subject, and answered 200.
public final class TLSPartner: Sendable {
    public let port: Int
    public var url: String { "https://127.0.0.1:\(port)/hooks" }
    private let directory: URL

    public init(certificates: TestCertificates, verifyClients: Bool = true) throws {
        port = try freeLoopbackPort()
        directory = certificates.directory.appendingPathComponent("nginx-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let verify =
            verifyClients
            ? "ssl_verify_client on; ssl_client_certificate \(certificates.caCertificate); ssl_verify_depth 2;" : ""
        let conf = """
            worker_processes 1;
            pid \(directory.path)/nginx.pid;
            error_log \(directory.path)/error.log info;
            events { worker_connections 64; }
            http {
              access_log off;
              client_body_temp_path \(directory.path)/body;
              log_format tls '$ssl_client_verify|$ssl_client_s_dn|$request_uri|$status';
              server {
                listen 127.0.0.1:\(port) ssl;
                ssl_certificate \(certificates.serverCertificate);
                ssl_certificate_key \(certificates.serverKey);
                \(verify)
                access_log \(directory.path)/requests.log tls;
                location / { return 200 "ok"; }
              }
            }
            """
        let confPath = directory.appendingPathComponent("nginx.conf").path
        try conf.write(toFile: confPath, atomically: true, encoding: .utf8)
        // nginx daemonizes (the command returns once it is up); its master's pid is in the pid file.
        // Started through the shell, which reaps the short-lived launcher itself.
        let status = system("/usr/sbin/nginx -c '\(confPath)' -e '\(directory.path)/error.log' >/dev/null 2>&1")
        guard status == 0 else { throw TLSPartnerError("nginx did not start (\(status))") }
        let deadline = ContinuousClock.now + .seconds(20)
        while !canConnect(port: port) {
            guard ContinuousClock.now < deadline else { throw TLSPartnerError("nginx does not listen") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Stops nginx (its master ends the workers).
    deinit {
        let pidFile = directory.appendingPathComponent("nginx.pid")
        if let text = try? String(contentsOf: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(pid, SIGTERM)
        }
    }

    /// Every request so far: the client certificate's verdict (`SUCCESS`, `NONE`, `FAILED:…`), its subject, the status.
    public var requests: [(verify: String, subject: String, status: String)] {
        let log = (try? String(contentsOf: directory.appendingPathComponent("requests.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return (fields[0], fields.count > 1 ? fields[1] : "", fields.count > 3 ? fields[3] : "")
        }
    }
}

public struct TLSPartnerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
