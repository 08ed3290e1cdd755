/// FlotillaNet: Flotilla's networking layer.
///
/// A single-threaded epoll event loop with timers and cross-thread task submission, a
/// signalfd-based signal watcher, and framed TLS connections (client and server) that move
/// bytes between non-blocking sockets, FlotillaTLS's in-memory engine and WireProtocol's
/// frame codec. Every system call goes through `Syscalls.swift`; everything else is Swift.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call failed: which call, the errno it set, and the system's text for it.
///
/// These are local failures (a socket we could not create, a read the kernel refused); a
/// peer misbehaving shows up as a `ProtocolError` or `TLSError` instead.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function that failed, e.g. `"connect"`.
    public var call: String
    /// The errno value it left.
    public var errno: Int32
    /// `strerror(errno)`, e.g. "Connection refused".
    public var reason: String

    /// Creates an error for `call` failing with `errno`; the reason is looked up with strerror.
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
        self.reason = Syscalls.errorText(errno)
    }

    /// True for errors the network or the peer causes (reset, broken pipe, unreachable,
    /// timed out) rather than this process (descriptors, memory, bad arguments).
    public var isNetworkFailure: Bool {
        [ECONNRESET, EPIPE, ECONNREFUSED, ECONNABORTED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
         ENETDOWN, EHOSTDOWN].contains(errno)
    }

    /// "connect: Connection refused (errno 111)".
    public var description: String { "\(call): \(reason) (errno \(errno))" }
}

/// A host name could not be turned into socket addresses.
public struct HostResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The name that was looked up.
    public var host: String
    /// The getaddrinfo error code (`EAI_*`), or 0 when the lookup returned no usable address.
    public var code: Int32
    /// The resolver's text for `code`.
    public var reason: String

    /// Creates an error with the resolver's explanation.
    public init(host: String, code: Int32, reason: String) {
        self.host = host
        self.code = code
        self.reason = reason
    }

    public var description: String { "cannot resolve host \"\(host)\": \(reason)" }
}

/// The outcome of a non-blocking operation: it did some work, or it would have to wait.
public enum IOResult<Value> {
    /// The call completed with this value.
    case processed(Value)
    /// The call returned EAGAIN/EWOULDBLOCK (or EINPROGRESS for connect): try again on readiness.
    case wouldBlock
}

extension IOResult: Sendable where Value: Sendable {}
extension IOResult: Equatable where Value: Equatable {}
