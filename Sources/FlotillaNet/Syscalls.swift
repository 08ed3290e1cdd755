#if canImport(Glibc)
import Glibc
internal import CLinux
#elseif canImport(Darwin)
import Darwin
#endif

/// The only place FlotillaNet calls into the C library.
///
/// Every wrapper retries `EINTR`, turns `EAGAIN`/`EWOULDBLOCK` into `IOResult.wouldBlock`
/// where a caller can wait for readiness, and turns any other errno into a `SystemError`
/// naming the call. Keeping the calls here keeps errno handling in one place and makes the
/// platform seam (epoll today, kqueue later) a single file.
public enum Syscalls {
    // MARK: - Error plumbing

    /// Runs `body` until it does not fail with EINTR; -1 becomes a `SystemError`.
    @inline(__always)
    private static func retrying<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(call: call, errno: code)
        }
    }

    /// Like `retrying`, but EAGAIN/EWOULDBLOCK become `.wouldBlock`.
    @inline(__always)
    private static func retryingIO<T: BinaryInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> IOResult<T> {
        while true {
            let result = body()
            if result != -1 { return .processed(result) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw SystemError(call: call, errno: code)
        }
    }

    // MARK: - File descriptors (public: the agent's pipe plumbing uses them too)

    /// Reads up to `buffer.count` bytes; `.processed(0)` means end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retryingIO("read") { LibC.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Writes up to `buffer.count` bytes to a pipe or file; returns how many were taken.
    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retryingIO("write") { LibC.write(fd, buffer.baseAddress, buffer.count) }
    }

    /// Closes `fd`. EINTR is not retried: on Linux the descriptor is already gone.
    ///
    /// `EBADF` means this process closed a descriptor it did not own, which could have
    /// closed someone else's file: that is a bug, not an error to handle.
    public static func close(_ fd: Int32) {
        if LibC.close(fd) == -1 {
            precondition(errno != EBADF, "close(\(fd)): descriptor was not open")
        }
    }

    /// Opens a regular file for reading (close-on-exec).
    public static func openForReading(_ path: String) throws(SystemError) -> Int32 {
        try retrying("open") { open(path, O_RDONLY | O_CLOEXEC) }
    }

    /// The size in bytes of the file open as `fd`.
    public static func fileSize(_ fd: Int32) throws(SystemError) -> UInt64 {
        var info = stat()
        _ = try retrying("fstat") { fstat(fd, &info) }
        return UInt64(info.st_size)
    }

    /// Reads up to `buffer.count` bytes at `offset` without moving the file position; 0 at end of file.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(SystemError) -> Int {
        try retrying("pread") { pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// Sets or clears `O_NONBLOCK` on `fd`.
    public static func setNonBlocking(_ fd: Int32, _ nonBlocking: Bool = true) throws(SystemError) {
        let flags = try retrying("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        let wanted = nonBlocking ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags { _ = try retrying("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, wanted) } }
    }

    // MARK: - Sockets

    /// Creates a non-blocking, close-on-exec TCP socket of `family` (`AF_INET`/`AF_INET6`).
    static func tcpSocket(family: Int32) throws(SystemError) -> Int32 {
        #if os(Linux)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try retrying("socket") { LibC.socket(family, type, 0) }
        #else
        let fd = try retrying("socket") { LibC.socket(family, SOCK_STREAM, 0) }
        _ = try retrying("fcntl(F_SETFD)") { fcntl(fd, F_SETFD, FD_CLOEXEC) }
        try setNonBlocking(fd)
        return fd
        #endif
    }

    /// `setsockopt` with an `Int32` value.
    static func setSocketOption(_ fd: Int32, level: Int32, name: Int32, value: Int32, label: String) throws(SystemError) {
        var value = value
        _ = try retrying("setsockopt(\(label))") {
            setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    static func setReuseAddress(_ fd: Int32) throws(SystemError) {
        try setSocketOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1, label: "SO_REUSEADDR")
    }

    /// Accepts IPv4 connections on an IPv6 wildcard socket too (or not).
    static func setIPv6Only(_ fd: Int32, _ only: Bool) throws(SystemError) {
        try setSocketOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: only ? 1 : 0, label: "IPV6_V6ONLY")
    }

    /// Disables Nagle: frames are written whole, and heartbeats must not wait for an ACK.
    static func setNoDelay(_ fd: Int32) throws(SystemError) {
        try setSocketOption(fd, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1, label: "TCP_NODELAY")
    }

    static func bind(_ fd: Int32, to address: SocketAddress) throws(SystemError) {
        _ = try address.withSockAddr { (pointer, length) throws(SystemError) in
            try retrying("bind(\(address))") { LibC.bind(fd, pointer, length) }
        }
    }

    static func listen(_ fd: Int32, backlog: Int32) throws(SystemError) {
        _ = try retrying("listen") { LibC.listen(fd, backlog) }
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket.
    static func accept(_ fd: Int32) throws(SystemError) -> IOResult<(fd: Int32, peer: SocketAddress)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try withUnsafeMutablePointer(to: &storage) { pointer throws(SystemError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SystemError) in
                #if os(Linux)
                let flags = Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                return try retryingIO("accept4") { flotilla_accept4(fd, address, &length, flags) }
                #else
                return try retryingIO("accept") { LibC.accept(fd, address, &length) }
                #endif
            }
        }
        guard case .processed(let newFD) = result else { return .wouldBlock }
        #if !os(Linux)
        do {
            _ = try retrying("fcntl(F_SETFD)") { fcntl(newFD, F_SETFD, FD_CLOEXEC) }
            try setNonBlocking(newFD)
        } catch {
            close(newFD)
            throw error
        }
        #endif
        var peer = SocketAddress()
        peer.storage = storage
        peer.length = length
        return .processed((newFD, peer))
    }

    /// Starts a non-blocking connect; `.wouldBlock` means it is in progress (wait for writable,
    /// then read `pendingSocketError`).
    static func connect(_ fd: Int32, to address: SocketAddress) throws(SystemError) -> IOResult<Void> {
        try address.withSockAddr { (pointer, length) throws(SystemError) -> IOResult<Void> in
            // A connect interrupted by a signal keeps going in the background (POSIX), so
            // EINTR is "in progress", not "retry".
            if LibC.connect(fd, pointer, length) == 0 { return .processed(()) }
            let code = errno
            if code == EINPROGRESS || code == EINTR || code == EAGAIN { return .wouldBlock }
            throw SystemError(call: "connect(\(address))", errno: code)
        }
    }

    /// The socket's pending error (`SO_ERROR`), 0 when there is none; clears it.
    static func pendingSocketError(_ fd: Int32) throws(SystemError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try retrying("getsockopt(SO_ERROR)") { getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) }
        return value
    }

    /// The address a socket is bound to.
    static func localAddress(_ fd: Int32) throws(SystemError) -> SocketAddress {
        var address = SocketAddress()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &address.storage) { pointer throws(SystemError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw throws(SystemError) in
                try retrying("getsockname") { getsockname(fd, raw, &length) }
            }
        }
        address.length = length
        return address
    }

    /// Sends on a socket without raising SIGPIPE when the peer is gone (EPIPE is returned).
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0 // Darwin sockets would set SO_NOSIGPIPE at creation instead.
        #endif
        return try retryingIO("send") { LibC.send(fd, buffer.baseAddress, buffer.count, flags) }
    }

    // MARK: - Addresses

    /// Parses an IPv4 or IPv6 literal (no brackets), or returns nil.
    static func numericAddress(_ host: String, port: UInt16) -> SocketAddress? {
        var address = SocketAddress()
        var v4 = sockaddr_in()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.storage) { $0.storeBytes(of: v4, as: sockaddr_in.self) }
            address.length = socklen_t(MemoryLayout<sockaddr_in>.size)
            return address
        }
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.storage) { $0.storeBytes(of: v6, as: sockaddr_in6.self) }
            address.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            return address
        }
        return nil
    }

    /// Resolves a host name with getaddrinfo (blocking), TCP addresses only, in resolver order.
    static func resolve(_ host: String, port: UInt16) throws(HostResolutionError) -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        var code: Int32
        repeat {
            code = getaddrinfo(host, String(port), &hints, &list)
        } while code == EAI_SYSTEM && errno == EINTR
        guard code == 0 else {
            let reason = code == EAI_SYSTEM ? errorText(errno) : String(cString: gai_strerror(code))
            throw HostResolutionError(host: host, code: code, reason: reason)
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var cursor = list
        while let entry = cursor {
            let info = entry.pointee
            if (info.ai_family == AF_INET || info.ai_family == AF_INET6), let raw = info.ai_addr {
                addresses.append(SocketAddress(copying: raw, length: info.ai_addrlen))
            }
            cursor = info.ai_next
        }
        if addresses.isEmpty {
            throw HostResolutionError(host: host, code: 0, reason: "no IPv4 or IPv6 address")
        }
        return addresses
    }

    /// The address part of `address` as text ("127.0.0.1", "::1").
    static func presentationHost(of address: SocketAddress) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = withUnsafeBytes(of: address.storage) { raw -> Bool in
            switch address.family {
            case AF_INET:
                var inner = raw.load(as: sockaddr_in.self).sin_addr
                return inet_ntop(AF_INET, &inner, &buffer, socklen_t(buffer.count)) != nil
            case AF_INET6:
                var inner = raw.load(as: sockaddr_in6.self).sin6_addr
                return inet_ntop(AF_INET6, &inner, &buffer, socklen_t(buffer.count)) != nil
            default:
                return false
            }
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The C library's text for an errno value ("Connection refused").
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    // MARK: - Clock and threads

    /// Milliseconds on the monotonic clock (not wall time; unaffected by clock changes).
    static func monotonicMillis() -> UInt64 {
        var now = timespec()
        let result = clock_gettime(CLOCK_MONOTONIC, &now)
        precondition(result == 0, "clock_gettime(CLOCK_MONOTONIC) failed: errno \(errno)")
        return UInt64(now.tv_sec) * 1_000 + UInt64(now.tv_nsec) / 1_000_000
    }

    /// An identifier for the calling thread, unique among live threads; never 0.
    static func currentThreadID() -> UInt {
        #if os(Linux)
        return UInt(pthread_self())
        #else
        return UInt(bitPattern: pthread_self())
        #endif
    }

    // MARK: - Signals

    /// Blocks `signals` for the calling thread (threads created later inherit the mask).
    static func blockSignals(_ signals: [Int32]) throws(SystemError) {
        var set = signalSet(signals)
        let result = pthread_sigmask(SIG_BLOCK, &set, nil)
        // pthread_sigmask returns the error number instead of setting errno.
        if result != 0 { throw SystemError(call: "pthread_sigmask", errno: result) }
    }

    private static func signalSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }
}

/// Module-qualified C functions whose names `Syscalls` reuses for its own methods.
private enum LibC {
    #if canImport(Glibc)
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { Glibc.read(fd, buffer, count) }
    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { Glibc.write(fd, buffer, count) }
    static func close(_ fd: Int32) -> Int32 { Glibc.close(fd) }
    static func socket(_ family: Int32, _ type: Int32, _ proto: Int32) -> Int32 { Glibc.socket(family, type, proto) }
    static func bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { Glibc.bind(fd, address, length) }
    static func listen(_ fd: Int32, _ backlog: Int32) -> Int32 { Glibc.listen(fd, backlog) }
    static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { Glibc.connect(fd, address, length) }
    static func send(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int { Glibc.send(fd, buffer, count, flags) }
    #elseif canImport(Darwin)
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { Darwin.read(fd, buffer, count) }
    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { Darwin.write(fd, buffer, count) }
    static func close(_ fd: Int32) -> Int32 { Darwin.close(fd) }
    static func socket(_ family: Int32, _ type: Int32, _ proto: Int32) -> Int32 { Darwin.socket(family, type, proto) }
    static func bind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { Darwin.bind(fd, address, length) }
    static func listen(_ fd: Int32, _ backlog: Int32) -> Int32 { Darwin.listen(fd, backlog) }
    static func accept(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>) -> Int32 { Darwin.accept(fd, address, length) }
    static func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 { Darwin.connect(fd, address, length) }
    static func send(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int, _ flags: Int32) -> Int { Darwin.send(fd, buffer, count, flags) }
    #endif
}

// MARK: - Readiness notification (epoll), wake-ups (eventfd), signals (signalfd)

#if os(Linux)
extension Syscalls {
    static func epollCreate() throws(SystemError) -> Int32 {
        try retrying("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
    }

    /// Level-triggered epoll bits for `interest`. Errors and hang-ups are always reported.
    private static func epollBits(_ interest: EventLoop.Interest) -> UInt32 {
        var bits: UInt32 = 0
        if interest.contains(.read) { bits |= EPOLLIN.rawValue }
        if interest.contains(.write) { bits |= EPOLLOUT.rawValue }
        return bits
    }

    /// Adds (`EPOLL_CTL_ADD`) or changes (`EPOLL_CTL_MOD`) `fd` in the epoll set; `token` comes
    /// back with every event for it.
    static func epollControl(_ epfd: Int32, fd: Int32, interest: EventLoop.Interest, token: UInt64, add: Bool) throws(SystemError) {
        var event = epoll_event()
        event.events = epollBits(interest)
        event.data.u64 = token
        _ = try retrying(add ? "epoll_ctl(ADD)" : "epoll_ctl(MOD)") {
            epoll_ctl(epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event)
        }
    }

    /// Removes `fd` from the epoll set.
    static func epollRemove(_ epfd: Int32, fd: Int32) throws(SystemError) {
        var event = epoll_event()
        _ = try retrying("epoll_ctl(DEL)") { epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event) }
    }

    /// Waits up to `timeoutMillis` (-1: forever) for events; returns how many `events` holds.
    /// EINTR returns 0 rather than retrying, so the caller recomputes its timer deadline.
    static func epollWait(_ epfd: Int32, into events: EpollEventBuffer, timeoutMillis: Int32) throws(SystemError) -> Int {
        let count = epoll_wait(epfd, events.pointer, Int32(events.capacity), timeoutMillis)
        if count >= 0 { return Int(count) }
        let code = errno
        if code == EINTR { return 0 }
        throw SystemError(call: "epoll_wait", errno: code)
    }

    /// A non-blocking, close-on-exec eventfd used to wake a sleeping loop.
    static func makeEventFD() throws(SystemError) -> Int32 {
        try retrying("eventfd") { eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC)) }
    }

    /// Adds 1 to the eventfd counter. A saturated counter (EAGAIN) is already readable.
    static func signalEventFD(_ fd: Int32) throws(SystemError) {
        var one: UInt64 = 1
        _ = try retryingIO("write(eventfd)") { LibC.write(fd, &one, MemoryLayout<UInt64>.size) }
    }

    /// Resets the eventfd counter to 0.
    static func drainEventFD(_ fd: Int32) throws(SystemError) {
        var value: UInt64 = 0
        _ = try retryingIO("read(eventfd)") { LibC.read(fd, &value, MemoryLayout<UInt64>.size) }
    }

    /// A non-blocking signalfd receiving `signals` (which must be blocked to arrive here).
    static func makeSignalFD(_ signals: [Int32]) throws(SystemError) -> Int32 {
        var set = signalSet(signals)
        return try retrying("signalfd") { signalfd(-1, &set, Int32(SFD_NONBLOCK) | Int32(SFD_CLOEXEC)) }
    }

    /// Reads one queued signal number from a signalfd.
    static func readSignal(_ fd: Int32) throws(SystemError) -> IOResult<Int32> {
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        switch try retryingIO("read(signalfd)", { LibC.read(fd, &info, size) }) {
        case .wouldBlock: return .wouldBlock
        case .processed(let count):
            precondition(count == size, "signalfd read returned \(count) of \(size) bytes")
            return .processed(Int32(bitPattern: info.ssi_signo))
        }
    }
}

/// Storage for the events one `epoll_wait` returns, reused across iterations.
final class EpollEventBuffer {
    fileprivate let pointer: UnsafeMutablePointer<epoll_event>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        pointer = .allocate(capacity: capacity)
        pointer.initialize(repeating: epoll_event(), count: capacity)
    }

    deinit { pointer.deallocate() }

    /// The registration token of event `index`.
    func token(at index: Int) -> UInt64 { pointer[index].data.u64 }

    /// What event `index` reports.
    func readiness(at index: Int) -> EventLoop.Readiness {
        let bits = pointer[index].events
        var readiness: EventLoop.Readiness = []
        if bits & EPOLLIN.rawValue != 0 { readiness.insert(.readable) }
        if bits & EPOLLOUT.rawValue != 0 { readiness.insert(.writable) }
        if bits & (EPOLLHUP.rawValue | EPOLLRDHUP.rawValue) != 0 { readiness.insert(.hangup) }
        if bits & EPOLLERR.rawValue != 0 { readiness.insert(.error) }
        return readiness
    }
}
#else
#error("FlotillaNet has only an epoll backend; a kqueue one belongs in Syscalls.swift")
#endif
