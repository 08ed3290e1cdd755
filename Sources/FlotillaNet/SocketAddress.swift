#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 socket address (address + port), stored the way the kernel wants it.
///
/// Internal: public API speaks host strings and ports; this type only travels between
/// resolution and the socket calls in `Syscalls`.
struct SocketAddress: CustomStringConvertible {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    /// The address family: `AF_INET` or `AF_INET6`.
    var family: Int32 { Int32(storage.ss_family) }

    /// The port in host byte order.
    var port: UInt16 {
        withUnsafeBytes(of: storage) { raw in
            switch family {
            case AF_INET: UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port)
            case AF_INET6: UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port)
            default: 0
            }
        }
    }

    /// "127.0.0.1:7000", "[::1]:7000".
    var description: String {
        let host = Syscalls.presentationHost(of: self)
        return family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Calls `body` with the address as the `sockaddr` pointer the socket calls take.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(SystemError) -> R) throws(SystemError) -> R {
        var copy = storage
        return try withUnsafePointer(to: &copy) { pointer throws(SystemError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SystemError) in
                try body(address, length)
            }
        }
    }

    /// Builds an address from a `sockaddr` of `length` bytes (as accept/getsockname fill).
    init(copying address: UnsafeRawPointer, length: socklen_t) {
        precondition(Int(length) <= MemoryLayout<sockaddr_storage>.size, "sockaddr of \(length) bytes")
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length))) }
        self.length = length
    }

    /// An empty address, filled in by `Syscalls` from a C structure.
    init() {}
}

extension SocketAddress {
    /// The addresses for `host`, in the order to try them.
    ///
    /// IPv4/IPv6 literals (IPv6 with or without brackets) need no lookup. "localhost" is
    /// 127.0.0.1 then ::1 without asking the resolver, so loopback setups behave the same on
    /// every machine. Other names go through getaddrinfo, which may block briefly.
    static func resolve(host: String, port: UInt16) throws(HostResolutionError) -> [SocketAddress] {
        var literal = host
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        if let address = Syscalls.numericAddress(literal, port: port) { return [address] }
        if literal.lowercased() == "localhost" {
            return [Syscalls.numericAddress("127.0.0.1", port: port)!, Syscalls.numericAddress("::1", port: port)!]
        }
        guard !literal.isEmpty else {
            throw HostResolutionError(host: host, code: 0, reason: "empty host name")
        }
        return try Syscalls.resolve(literal, port: port)
    }

    /// True for the IPv6 wildcard "::".
    var isIPv6Wildcard: Bool {
        family == AF_INET6 && Syscalls.presentationHost(of: self) == "::"
    }
}
