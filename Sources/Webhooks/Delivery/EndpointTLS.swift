import Foundation
import NIOSSL

/// A partner endpoint's TLS beyond the system's defaults: a private CA to trust (besides the
/// system store, or instead of it), a client certificate to present (mutual TLS), and the oldest
/// protocol version accepted. Built from PEM files, read when the endpoint is built (at start-up
/// and on reload).
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

    /// Which file could not be used, and why (the message names the file's setting).
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public enum File: String, Sendable { case caBundle, clientCertificate, clientKey }
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
        self.trustMode = trustMode
        self.minimumVersion = minimumVersion
        if let caBundle {
            trust = try Self.certificates(caBundle, .caBundle)
        }
        if let clientCertificate {
            certificateChain = try Self.certificates(clientCertificate, .clientCertificate)
        }
        if let clientKey {
            do {
                if let passphrase {
                    privateKey = try NIOSSLPrivateKey(file: clientKey, format: .pem) { setter in
                        setter(Array(passphrase.utf8))
                    }
                } else {
                    privateKey = try NIOSSLPrivateKey(file: clientKey, format: .pem)
                }
            } catch {
                throw LoadError(
                    file: .clientKey,
                    description: "\(clientKey) is not a readable PEM private key (or the passphrase does not open it)")
            }
        }
    }

    private static func certificates(_ path: String, _ file: LoadError.File) throws(LoadError) -> [NIOSSLCertificate] {
        let loaded: [NIOSSLCertificate]
        do { loaded = try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw LoadError(file: file, description: "\(path) is not a readable PEM certificate file")
        }
        guard !loaded.isEmpty else { throw LoadError(file: file, description: "\(path) holds no certificate") }
        return loaded
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
