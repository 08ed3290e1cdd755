#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure creating or using the fleet's certificate authority files.
public enum PKIError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `PKI.initialize` found an existing CA key and was not told to overwrite it.
    case caAlreadyExists(path: String)
    /// The role is not "coordinator", "agent" or "client".
    case invalidRole(String)
    /// The peer name breaks the naming rule (1–64 characters of [A-Za-z0-9._-]).
    case invalidName(String, reason: String)
    /// A host is neither a DNS name nor an IPv4/IPv6 literal.
    case invalidHost(String)
    /// A coordinator certificate needs at least one host to be verifiable by name.
    case noHosts(role: String, name: String)
    /// A file-system call failed.
    case fileSystem(operation: String, path: String, errno: Int32)
    /// A PEM certificate or key could not be read (missing CA: run `flotilla pki init`).
    case cannotLoad(what: String, path: String, openSSL: String)
    /// The CA key on disk does not belong to the CA certificate on disk.
    case caKeyMismatch(certificatePath: String, keyPath: String)
    /// An OpenSSL call building or signing a key or certificate failed.
    case openSSL(operation: String, openSSL: String)

    public var description: String {
        switch self {
        case let .caAlreadyExists(path):
            "a fleet CA key already exists at \(path); refusing to replace it (pass overwrite to start a new fleet CA)"
        case let .invalidRole(role):
            "invalid role \"\(role)\": expected coordinator, agent or client"
        case let .invalidName(name, reason):
            "invalid peer name \"\(name)\": \(reason)"
        case let .invalidHost(host):
            "invalid host \"\(host)\": expected a DNS name or an IPv4/IPv6 address"
        case let .noHosts(role, name):
            "certificate for \(role) \(name) needs at least one host (DNS name or IP address)"
        case let .fileSystem(operation, path, code):
            "\(operation) \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .cannotLoad(what, path, openSSL):
            "cannot load \(what) from \(path): \(openSSL)"
        case let .caKeyMismatch(certificatePath, keyPath):
            "CA key \(keyPath) does not match CA certificate \(certificatePath)"
        case let .openSSL(operation, openSSL):
            "\(operation) failed: \(openSSL)"
        }
    }
}
