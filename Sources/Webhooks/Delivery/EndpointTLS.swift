import Digest
import Foundation
import NIOSSL

/// A partner endpoint's TLS beyond the system's defaults: a private CA to trust (besides the
/// system store, or instead of it), a client certificate to present (mutual TLS), and the oldest
/// protocol version accepted. Built from PEM files, read when the endpoint is built (at start-up
/// and on reload), or from PEM text given through the admin API.
public struct EndpointTLS: Sendable, Equatable {
    public enum TrustMode: String, Sendable, Equatable {
        /// The CA bundle is trusted as well as the system store.
        case add
        /// Only the CA bundle is trusted.
        case only
    }

    public enum Version: String, Sendable, Equatable {
        case tls12 = "1.2"
        case tls13 = "1.3"
    }

    /// Where a certificate or key is read from: a PEM file (the configuration file's tenants) or
    /// PEM text (given through the admin API).
    public enum Source: Sendable, Equatable {
        case file(String)
        case pem(String)
    }

    /// Which setting could not be used, and why (the message names a file, never PEM text).
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        /// The setting, as the configuration and the admin API name it.
        public enum File: String, Sendable {
            case caBundle, clientCertificate, clientKey, caBundlePem, clientCertificatePem, clientKeyPem
        }
        public let file: File
        public let description: String
    }

    public var trust: [NIOSSLCertificate] = []
    public var trustMode = TrustMode.add
    public var certificateChain: [NIOSSLCertificate] = []
    public var privateKey: NIOSSLPrivateKey?
    public var minimumVersion = Version.tls12

    public init() {}

    /// Reads the PEM files: `caBundle` (one or more certificates), `clientCertificate` (the
    /// certificate, then any intermediates) with `clientKey` (optionally encrypted with `passphrase`).
    public init(
        caBundle: String?, trustMode: TrustMode = .add, clientCertificate: String?, clientKey: String?,
        passphrase: String? = nil, minimumVersion: Version = .tls12
    ) throws(LoadError) {
        try self.init(
            caBundle: caBundle.map(Source.file), trustMode: trustMode,
            clientCertificate: clientCertificate.map(Source.file), clientKey: clientKey.map(Source.file),
            passphrase: passphrase, minimumVersion: minimumVersion)
    }

    /// Reads each certificate or key from its file or its PEM text, then checks that the key is the
    /// client certificate's.
    public init(
        caBundle: Source?, trustMode: TrustMode = .add, clientCertificate: Source?, clientKey: Source?,
        passphrase: String? = nil, minimumVersion: Version = .tls12
    ) throws(LoadError) {
        self.trustMode = trustMode
        self.minimumVersion = minimumVersion
        if let caBundle {
            trust = try Self.certificates(caBundle, caBundle.isFile ? .caBundle : .caBundlePem)
        }
        if let clientCertificate {
            certificateChain = try Self.certificates(
                clientCertificate, clientCertificate.isFile ? .clientCertificate : .clientCertificatePem)
        }
        if let clientKey {
            privateKey = try Self.privateKey(clientKey, passphrase: passphrase)
            if !certificateChain.isEmpty, let privateKey {
                try Self.check(privateKey, matches: certificateChain, clientKey.isFile ? .clientKey : .clientKeyPem)
            }
        }
    }

    private static func certificates(_ source: Source, _ setting: LoadError.File) throws(LoadError)
        -> [NIOSSLCertificate]
    {
        let loaded: [NIOSSLCertificate]
        switch source {
        case .file(let path):
            do { loaded = try NIOSSLCertificate.fromPEMFile(path) } catch {
                throw LoadError(file: setting, description: "\(path) is not a readable PEM certificate file")
            }
            guard !loaded.isEmpty else { throw LoadError(file: setting, description: "\(path) holds no certificate") }
        case .pem(let text):
            do { loaded = try NIOSSLCertificate.fromPEMBytes(Array(text.utf8)) } catch {
                throw LoadError(file: setting, description: "\(setting.rawValue) is not PEM certificate text")
            }
            guard !loaded.isEmpty else {
                throw LoadError(file: setting, description: "\(setting.rawValue) holds no certificate")
            }
        }
        return loaded
    }

    private static func privateKey(_ source: Source, passphrase: String?) throws(LoadError) -> NIOSSLPrivateKey {
        let opening: NIOSSLPassphraseCallback<[UInt8]> = { setter in setter(Array((passphrase ?? "").utf8)) }
        do {
            switch source {
            case .file(let path):
                return passphrase == nil
                    ? try NIOSSLPrivateKey(file: path, format: .pem)
                    : try NIOSSLPrivateKey(file: path, format: .pem, passphraseCallback: opening)
            case .pem(let text):
                return passphrase == nil
                    ? try NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem)
                    : try NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem, passphraseCallback: opening)
            }
        } catch {
            throw switch source {
            case .file(let path):
                LoadError(
                    file: .clientKey,
                    description: "\(path) is not a readable PEM private key (or the passphrase does not open it)")
            case .pem:
                LoadError(
                    file: .clientKeyPem,
                    description: "clientKeyPem is not a PEM private key (or the passphrase does not open it)")
            }
        }
    }

    /// A client context with the certificate and key takes them only when they belong together.
    private static func check(
        _ key: NIOSSLPrivateKey, matches chain: [NIOSSLCertificate], _ setting: LoadError.File
    ) throws(LoadError) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateChain = chain.map { .certificate($0) }
        tls.privateKey = .privateKey(key)
        do { _ = try NIOSSLContext(configuration: tls) } catch {
            throw LoadError(file: setting, description: "the key is not the client certificate's key")
        }
    }

    /// What the admin API shows of a certificate: its subject, when it expires (seconds since the
    /// epoch) and the SHA-256 of its DER bytes (hex), never more.
    public struct CertificateSummary: Sendable, Equatable {
        public var subject: String
        public var notAfter: Int64
        public var sha256: String
    }

    /// The certificates of PEM text, summarized; nil when it holds none that can be read.
    public static func summaries(pem text: String) -> [CertificateSummary]? {
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(text.utf8)), !certificates.isEmpty else {
            return nil
        }
        return certificates.map { certificate in
            let subject = certificate.subjectName.compactMap { name in
                Self.label(name.type).map { "\($0)=\(name.value)" }
            }
            .joined(separator: ",")
            let der = (try? certificate.toDERBytes()) ?? []
            return CertificateSummary(
                subject: subject, notAfter: Int64(certificate.notValidAfter),
                sha256: Digest.sha256(der).map { String(format: "%02x", $0) }.joined())
        }
    }

    /// The short name of a subject's attribute (as `openssl` prints it); nil for others.
    private static func label(_ type: SSLCertificateNameType) -> String? {
        switch type {
        case .commonName: "CN"
        case .organization: "O"
        case .organizationalUnit: "OU"
        case .country: "C"
        case .state: "ST"
        case .city: "L"
        case .emailAddress: "emailAddress"
        case .userId: "UID"
        default: nil
        }
    }

    /// When the client certificate expires (seconds since the epoch); nil without one.
    public var clientCertificateExpiry: Int64? { certificateChain.first.map { Int64($0.notValidAfter) } }

    /// The client configuration for AsyncHTTPClient.
    var configuration: TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = minimumVersion == .tls13 ? .tlsv13 : .tlsv12
        if !trust.isEmpty {
            switch trustMode {
            case .add: tls.additionalTrustRoots = [.certificates(trust)]
            case .only: tls.trustRoots = .certificates(trust)
            }
        }
        if let privateKey, !certificateChain.isEmpty {
            tls.certificateChain = certificateChain.map { .certificate($0) }
            tls.privateKey = .privateKey(privateKey)
        }
        return tls
    }
}

extension EndpointTLS.Source {
    fileprivate var isFile: Bool {
        if case .file = self { return true }
        return false
    }
}
