#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain blocking TCP connection to 127.0.0.1, for tests that talk to a server directly:
/// probes that send garbage, or drive a ``TLSProbeClient``.
///
/// Reads wait with `poll` and a timeout, so a silent server cannot hang a test; writes use
/// MSG_NOSIGNAL, so a server that already closed yields an error instead of SIGPIPE
/// killing the test runner. Not thread-safe; close it when done (deinit also does).
public final class LoopbackConnection {
    /// What one read found.
    public enum ReadResult: Sendable, Equatable {
        /// Bytes arrived.
        case bytes([UInt8])
        /// The peer closed the connection (EOF) or reset it.
        case closed
        /// Nothing arrived before the timeout.
        case timedOut
    }

    private var descriptor: Int32

    /// Connects to 127.0.0.1:`port`.
    ///
    /// - Throws: ``LoopbackConnectionError`` with the failing call and errno.
    public init(port: UInt16) throws(LoopbackConnectionError) {
        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, socketType, 0)
        guard fd >= 0 else { throw LoopbackConnectionError(call: "socket", errno: errno, port: port) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            closeDescriptor(fd)
            throw LoopbackConnectionError(call: "connect", errno: code, port: port)
        }
        descriptor = fd
    }

    deinit {
        close()
    }

    /// Sends all of `bytes`.
    ///
    /// - Throws: ``LoopbackConnectionError`` (EPIPE or ECONNRESET once the peer has closed).
    public func write(_ bytes: [UInt8]) throws(LoopbackConnectionError) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw LoopbackConnectionError(call: "send", errno: errno, port: nil)
            }
            offset += sent
        }
    }

    /// Reads what is available, waiting at most `timeoutMillis` for something to arrive.
    public func read(maxBytes: Int = 65_536, timeoutMillis: Int) -> ReadResult {
        guard descriptor >= 0 else { return .closed }
        var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        var ready: Int32
        repeat {
            ready = poll(&pollDescriptor, 1, Int32(clamping: max(0, timeoutMillis)))
        } while ready < 0 && errno == EINTR
        guard ready > 0 else { return .timedOut }
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        } while count < 0 && errno == EINTR
        // ECONNRESET and friends: for a test the peer is equally gone.
        guard count > 0 else { return .closed }
        return .bytes(Array(buffer[0..<count]))
    }

    /// Reads until the peer closes or `timeoutMillis` passes in total.
    ///
    /// - Returns: the bytes received and whether the peer closed (false: the deadline passed).
    public func readUntilClosed(timeoutMillis: Int) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .milliseconds(timeoutMillis)
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return (received, false) }
            switch read(timeoutMillis: Int((remaining / .milliseconds(1)).rounded(.up))) {
            case .bytes(let bytes): received += bytes
            case .closed: return (received, true)
            case .timedOut: return (received, false)
            }
        }
    }

    /// Closes the socket; idempotent.
    public func close() {
        guard descriptor >= 0 else { return }
        closeDescriptor(descriptor)
        descriptor = -1
    }
}

/// `close(2)`, which the method of the same name hides inside the class.
private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}

/// A ``LoopbackConnection`` call failed.
public struct LoopbackConnectionError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var errno: Int32
    /// The port being connected to, for connect errors.
    public var port: UInt16?

    public var description: String {
        "\(call)\(port.map { " to 127.0.0.1:\($0)" } ?? "") failed: \(String(cString: strerror(errno)))"
    }
}
